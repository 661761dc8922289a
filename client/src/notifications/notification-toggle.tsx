// The two ways to control notifications: a button in the chat list header to turn them on,
// and a switch in settings to turn them on or off.
import { createUniqueId, Show } from 'solid-js'
import { Button } from '../ui/button.tsx'
import {
  disableNotifications,
  enableNotifications,
  notificationsBusy,
  notificationsNote,
} from './notification-control.ts'
import { notificationsChosen, notificationsEnabled, permission } from './preference.ts'

export function EnableNotificationsButton() {
  return (
    <>
      <Show when={permission() !== 'unsupported' && permission() !== 'denied' && !notificationsEnabled()}>
        <Button
          variant="secondary"
          class="button-small"
          pending={notificationsBusy()}
          pendingLabel="Asking…"
          onClick={() => void enableNotifications()}
        >
          Enable notifications
        </Button>
      </Show>
      <Show when={notificationsNote()}>
        <p class="chat-note" role="status">
          {notificationsNote()}
        </p>
      </Show>
    </>
  )
}

export function NotificationSettings() {
  const id = `notify-${createUniqueId()}`
  const status = () => {
    if (permission() === 'unsupported') return 'This browser cannot show notifications.'
    if (permission() === 'denied') return 'Notifications are blocked for Parley in this browser’s settings.'
    if (notificationsEnabled()) return 'On: new messages notify you while Parley is hidden or in the background.'
    if (notificationsChosen()) return 'On, waiting for the browser’s permission.'
    return 'Off.'
  }
  const onChange = async (event: Event & { currentTarget: HTMLInputElement }) => {
    const input = event.currentTarget
    await (input.checked ? enableNotifications() : disableNotifications())
    // The browser may have said no: the switch shows what is true, not what was clicked.
    input.checked = notificationsEnabled()
  }
  return (
    <section class="card" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`} class="card-title">
        Notifications
      </h2>
      <div class="switch-row">
        <input
          id={id}
          class="toggle-input"
          type="checkbox"
          role="switch"
          checked={notificationsEnabled()}
          aria-checked={notificationsEnabled() ? 'true' : 'false'}
          disabled={permission() === 'unsupported' || permission() === 'denied'}
          aria-describedby={`${id}-status`}
          aria-busy={notificationsBusy() ? 'true' : undefined}
          onChange={(event) => void onChange(event)}
        />
        <label for={id}>Notify me of new messages on this device</label>
      </div>
      <p id={`${id}-status`} class="muted">
        {status()}
      </p>
      <Show when={notificationsNote()}>
        <p class="chat-note" role="status">
          {notificationsNote()}
        </p>
      </Show>
    </section>
  )
}
