// Above the conversation list while the browser has no network, or the server cannot be
// reached and the list is the one this device kept: it will not change until Parley is back.
// (An open conversation says the same of itself in its own connection status.)
import { createSignal, onCleanup, Show } from 'solid-js'
import { inbox } from '../notifications/inbox-store.ts'

export function OfflineBanner() {
  const [online, setOnline] = createSignal(navigator.onLine)
  const update = () => setOnline(navigator.onLine)
  window.addEventListener('online', update)
  window.addEventListener('offline', update)
  onCleanup(() => {
    window.removeEventListener('online', update)
    window.removeEventListener('offline', update)
  })
  return (
    <Show when={!online() || inbox.kept}>
      <div class="offline-banner" role="status">
        <p>
          <strong>You are offline.</strong> Showing the chats this device last saw.
        </p>
      </div>
    </Show>
  )
}
