// Settings → Privacy → Blocked people: everyone the person blocked (GET /api/me/blocks), each
// with an Unblock button. An unblocked person leaves the list; focus moves to the list's heading
// so it is not lost with the row.
import { createResource, createSignal, For, Show } from 'solid-js'
import type { Peer } from '../../../../protocol/api.ts'
import { ApiError } from '../../api.ts'
import { fetchBlocks, unblockPerson } from '../../chat/blocks-api.ts'
import { displayName } from '../../session.ts'
import { Button } from '../../ui/button.tsx'
import { FormError } from '../../ui/form-error.tsx'
import { StatusMessage } from '../../ui/status-message.tsx'

const failed = (err: unknown, fallback: string) => (err instanceof ApiError ? err.problem.detail : fallback)

export function BlockedPeople() {
  const [blocks, { mutate, refetch }] = createResource(fetchBlocks)
  const [busy, setBusy] = createSignal<string | null>(null)
  const [status, setStatus] = createSignal<string | null>(null)
  const [failure, setFailure] = createSignal<string | null>(null)
  let heading: HTMLHeadingElement | undefined

  async function unblock(peer: Peer): Promise<void> {
    if (busy()) return
    setBusy(peer.id)
    setStatus(null)
    setFailure(null)
    try {
      await unblockPerson(peer.id)
      mutate((list) => (list ?? []).filter((p) => p.id !== peer.id))
      setStatus(`${nameOf(peer)} is unblocked.`)
      heading?.focus()
    } catch (err) {
      setFailure(failed(err, 'That did not work. Please try again.'))
    } finally {
      setBusy(null)
    }
  }

  return (
    <div class="blocked-people">
      <h3 ref={heading} id="blocked-heading" class="blocked-title" tabindex="-1">
        Blocked people
      </h3>
      <FormError
        message={failure() ?? (blocks.error ? failed(blocks.error, 'Your blocked people could not be loaded.') : null)}
      />
      <Show when={blocks.error}>
        <Button variant="secondary" onClick={() => void refetch()}>
          Try again
        </Button>
      </Show>
      <Show when={!blocks.error}>
        <Show when={blocks()} fallback={<p class="muted">Loading…</p>}>
          {(list) => (
            <Show
              when={list().length > 0}
              fallback={
                <p class="muted">You haven't blocked anyone. You can block someone from your conversation with them.</p>
              }
            >
              <ul class="session-list" aria-labelledby="blocked-heading">
                <For each={list()}>
                  {(peer) => (
                    <li class="session-item">
                      <div class="session-text">
                        <p class="session-device" dir="auto">
                          {nameOf(peer)}
                        </p>
                        <Show when={peer.email && nameOf(peer) !== peer.email}>
                          <p class="session-meta">{peer.email}</p>
                        </Show>
                      </div>
                      <Button
                        variant="secondary"
                        pending={busy() === peer.id}
                        pendingLabel="Unblocking…"
                        aria-label={`Unblock ${nameOf(peer)}`}
                        onClick={() => void unblock(peer)}
                      >
                        Unblock
                      </Button>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          )}
        </Show>
      </Show>
      <StatusMessage message={status()} />
    </div>
  )
}

function nameOf(peer: Peer): string {
  return peer.deleted ? 'Deleted account' : displayName(peer)
}
