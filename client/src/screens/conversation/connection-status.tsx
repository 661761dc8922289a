// What the chat socket is doing, when it is not simply connected: offline, reconnecting (with
// a way to retry now), or refused for good.
import { createSignal, Match, onCleanup, Show, Switch } from 'solid-js'
import type { LiveSocket } from '../../chat/live-socket.ts'

export function ConnectionStatus(props: { socket: LiveSocket; ready: boolean; queued: number }) {
  const [now, setNow] = createSignal(Date.now())
  const tick = setInterval(() => setNow(Date.now()), 1000)
  onCleanup(() => clearInterval(tick))
  const seconds = () => {
    const at = props.socket.retryAt()
    return at === null ? 0 : Math.max(1, Math.ceil((at - now()) / 1000))
  }
  const waiting = () =>
    props.queued > 0
      ? ` ${props.queued} unsent ${props.queued === 1 ? 'message' : 'messages'} will go when it is back.`
      : ''
  return (
    <Show when={!props.ready && props.socket.state() !== 'stopped'}>
      <div class="connection" data-state={props.socket.state()} role="status">
        <Switch>
          <Match when={props.socket.state() === 'offline'}>
            <p>
              <strong>You are offline.</strong>
              {waiting()}
            </p>
          </Match>
          <Match when={props.socket.state() === 'waiting'}>
            <p>
              <strong>Reconnecting in {seconds()} s…</strong>
              <Show when={props.socket.lastProblem()}> {props.socket.lastProblem()}</Show>
              {waiting()}
            </p>
            <button type="button" class="link-button" onClick={() => props.socket.retryNow()}>
              Retry now
            </button>
          </Match>
          <Match when={true}>
            <p>Connecting…</p>
          </Match>
        </Switch>
      </div>
    </Show>
  )
}
