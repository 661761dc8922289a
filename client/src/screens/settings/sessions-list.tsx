// Devices signed in to this account: end one, or all but this one.
import { createSignal, createUniqueId, For, Show } from 'solid-js'
import type { SessionInfo } from '../../../../protocol/api.ts'
import { revokeOtherSessions, revokeSession } from '../../accounts.ts'
import { ApiError } from '../../api.ts'
import { formatDateTime, formatRelative } from '../../format-time.ts'
import { Button } from '../../ui/button.tsx'
import { ConfirmDialog } from '../../ui/confirm-dialog.tsx'
import { FormError } from '../../ui/form-error.tsx'
import { StatusMessage } from '../../ui/status-message.tsx'
import { describeDevice } from './describe-device.ts'
import type { SessionsState } from './sessions-state.ts'

export function SessionsList(props: { state: SessionsState }) {
  const [status, setStatus] = createSignal<string | null>(null)
  const [failure, setFailure] = createSignal<string | null>(null)
  const [busy, setBusy] = createSignal<string | null>(null)
  const others = () => (props.state.sessions() ?? []).filter((s) => !s.current).length
  // Ending a session signs a device out at once: asked first, like every step that cannot be undone.
  const [asking, setAsking] = createSignal<SessionInfo | 'others' | null>(null)
  const confirm = () => {
    const what = asking()
    setAsking(null)
    if (what === 'others') void run('others', revokeOtherSessions, 'Every other session was signed out.')
    else if (what) void run(what.id, () => revokeSession(what.id), 'That session was signed out.')
  }

  async function run(key: string, action: () => Promise<void>, done: string): Promise<void> {
    if (busy()) return
    setBusy(key)
    setStatus(null)
    setFailure(null)
    try {
      await action()
      setStatus(done)
    } catch (err) {
      setFailure(err instanceof ApiError ? err.problem.detail : 'That did not work. Please try again.')
    } finally {
      setBusy(null)
      await props.state.refresh()
    }
  }

  return (
    <section class="card" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading" class="card-title">
        Sessions
      </h2>
      <p class="muted">Devices where you are signed in. End any session you don’t recognise.</p>
      <FormError message={failure() ?? props.state.error()} />
      <Show when={props.state.sessions()} fallback={<p class="muted">Loading sessions…</p>}>
        {(list) => (
          <ul class="session-list">
            <For each={list()}>
              {(item) => <SessionRow item={item} busy={busy() === item.id} onEnd={() => setAsking(item)} />}
            </For>
          </ul>
        )}
      </Show>
      <Show when={others() > 0}>
        <div class="form-actions">
          <Button
            variant="secondary"
            pending={busy() === 'others'}
            pendingLabel="Signing out…"
            onClick={() => setAsking('others')}
          >
            Sign out other sessions
          </Button>
        </div>
      </Show>
      <StatusMessage message={status()} />
      <ConfirmDialog
        open={asking() !== null}
        title={asking() === 'others' ? 'Sign out every other session?' : 'End this session?'}
        confirmLabel={asking() === 'others' ? 'Sign out others' : 'End session'}
        onConfirm={confirm}
        onCancel={() => setAsking(null)}
      >
        <p>
          {(() => {
            const what = asking()
            if (what === 'others')
              return `${others()} other ${others() === 1 ? 'device is' : 'devices are'} signed out at once and must sign in again with your password. This device stays signed in.`
            return what
              ? `${describeDevice(what.userAgent)} is signed out at once and must sign in again with your password.`
              : ''
          })()}
        </p>
      </ConfirmDialog>
    </section>
  )
}

function SessionRow(props: { item: SessionInfo; busy: boolean; onEnd: () => void }) {
  const nameId = `session-${createUniqueId()}`
  return (
    <li class="session-item" classList={{ 'session-current': props.item.current }}>
      <div class="session-text">
        <p class="session-device">
          <span id={nameId}>{describeDevice(props.item.userAgent)}</span>
          <Show when={props.item.current}>
            <span class="badge">This device</span>
          </Show>
        </p>
        <p class="session-meta">
          Active <time datetime={props.item.lastSeenAt}>{formatRelative(props.item.lastSeenAt)}</time>
          {' · '}Signed in <time datetime={props.item.createdAt}>{formatDateTime(props.item.createdAt)}</time>
        </p>
      </div>
      <Show when={!props.item.current}>
        <Button
          variant="quiet"
          pending={props.busy}
          pendingLabel="Ending…"
          aria-describedby={nameId}
          onClick={props.onEnd}
        >
          End session
        </Button>
      </Show>
    </li>
  )
}
