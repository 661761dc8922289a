// One room's stored messages as ciphertext. Opening them is a deliberate step: it is
// audited and both members are told, so nothing is fetched until staff ask for it.
import { A, useLocation, useParams } from '@solidjs/router'
import { createEffect, createSignal, For, on, Show } from 'solid-js'
import { openStoredMessages, type StoredMessage } from '../../admin/admin-api.ts'
import { ApiError } from '../../api.ts'
import { formatBytes } from '../../chat/attachment-rules.ts'
import { formatDateTime } from '../../format-time.ts'
import { Button } from '../../ui/button.tsx'
import { usePageTitle } from '../../ui/page-title.ts'
import { UserLink } from './user-link.tsx'

/** Router state from the conversations list; the API has no route for one room's members. */
export interface RoomState {
  members: [string, string]
}

function membersFrom(state: unknown): string[] | null {
  const members = (state as Partial<RoomState> | null)?.members
  return Array.isArray(members) && members.length === 2 && members.every((m) => typeof m === 'string') ? members : null
}

export function ConversationScreen() {
  usePageTitle(() => 'Conversation · Admin')
  const params = useParams<{ roomId: string }>()
  const location = useLocation()
  const [messages, setMessages] = createSignal<StoredMessage[]>([])
  const [opened, setOpened] = createSignal(false)
  const [hasMore, setHasMore] = createSignal(false)
  const [pending, setPending] = createSignal(false)
  const [error, setError] = createSignal<string | null>(null)

  // Another room in the same screen starts closed again: each opening is its own decision.
  createEffect(
    on(
      () => params.roomId,
      () => {
        setMessages([])
        setOpened(false)
        setHasMore(false)
        setError(null)
      },
      { defer: true },
    ),
  )

  const members = () => {
    const fromList = membersFrom(location.state)
    if (fromList) return fromList
    // Opened from an audit link: the senders seen so far are the members we know of.
    return [...new Set(messages().map((m) => m.senderId))]
  }

  const load = async (before?: number) => {
    if (pending()) return
    setPending(true)
    setError(null)
    try {
      const page = await openStoredMessages(params.roomId, before)
      setMessages((shown) => (before === undefined ? page.messages : [...page.messages, ...shown]))
      setHasMore(page.hasMore)
      setOpened(true)
    } catch (err) {
      setError(err instanceof ApiError ? err.problem.detail : 'Something went wrong. Please try again.')
    } finally {
      setPending(false)
    }
  }

  return (
    <div class="stack">
      <p>
        <A href="/admin/conversations" class="back-link">
          All conversations
        </A>
      </p>
      <h1 class="page-title">Conversation</h1>
      <section class="card" aria-labelledby="room-facts-heading">
        <h2 id="room-facts-heading" class="card-title">
          Room
        </h2>
        <dl class="facts">
          <dt>Members</dt>
          <dd>
            <Show when={members().length > 0} fallback={<span class="muted">Shown once messages are open</span>}>
              <ul class="inline-list">
                <For each={members()}>
                  {(id) => (
                    <li>
                      <UserLink id={id} />
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </dd>
          <dt>Room id</dt>
          <dd class="mono">{params.roomId}</dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="stored-heading">
        <h2 id="stored-heading" class="card-title">
          Stored messages
        </h2>
        <div class="audit-note">
          <p>
            <strong>
              Opening stored messages is recorded in the audit log, and both members are told in their conversation that
              staff looked at it.
            </strong>
          </p>
          <p>Message text is stored encrypted; you see each message as its stored token, never what it says.</p>
        </div>
        <Show when={error()}>
          <div class="form-error" role="alert">
            <p>{error()}</p>
          </div>
        </Show>
        <Show
          when={opened()}
          fallback={
            <div class="form-actions">
              <Button variant="primary" pending={pending()} pendingLabel="Opening…" onClick={() => void load()}>
                Open stored messages
              </Button>
            </div>
          }
        >
          <Show when={hasMore()}>
            <div class="form-actions">
              <Button
                variant="secondary"
                pending={pending()}
                pendingLabel="Loading…"
                onClick={() => void load(messages()[0]?.seq)}
              >
                Load older messages
              </Button>
              <span class="muted">This is recorded too.</span>
            </div>
          </Show>
          <Show when={messages().length > 0} fallback={<p class="muted">This conversation holds no messages.</p>}>
            <ol class="stored-messages" aria-label="Stored messages, oldest first">
              <For each={messages()}>
                {(message) => (
                  <li class="stored-message">
                    <p class="stored-meta">
                      <span class="stored-seq">#{message.seq}</span> <UserLink id={message.senderId} />{' '}
                      <span class="muted">
                        sent <time datetime={message.sentAt}>{formatDateTime(message.sentAt)}</time>
                        <Show when={message.readAt}>
                          {(readAt) => (
                            <>
                              , read <time datetime={readAt()}>{formatDateTime(readAt())}</time>
                            </>
                          )}
                        </Show>
                        <Show when={message.editedAt}>
                          {(editedAt) => (
                            <>
                              , edited <time datetime={editedAt()}>{formatDateTime(editedAt())}</time>
                            </>
                          )}
                        </Show>
                        <Show when={message.deletedAt}>
                          {(deletedAt) => (
                            <>
                              , deleted by its sender <time datetime={deletedAt()}>{formatDateTime(deletedAt())}</time>
                            </>
                          )}
                        </Show>
                      </span>
                    </p>
                    <Show
                      when={!message.deletedAt}
                      fallback={<p class="muted">Deleted: nothing of its text is stored.</p>}
                    >
                      <code class="ciphertext">{message.ciphertext}</code>
                    </Show>
                    <Show when={message.attachments?.length}>
                      <p class="muted">
                        {message.attachments!.length === 1
                          ? '1 attachment'
                          : `${message.attachments!.length} attachments`}
                        , {formatBytes(message.attachments!.reduce((n, a) => n + a.size, 0))}, stored encrypted
                      </p>
                    </Show>
                  </li>
                )}
              </For>
            </ol>
          </Show>
        </Show>
      </section>
    </div>
  )
}
