// The two ways to control notifications: a button in the chat list header to turn them on,
// and a switch in settings to turn them on or off.
import { createUniqueId, Show } from 'solid-js'
import { Button } from '../ui/button.tsx'
import { SettingSwitch } from '../ui/setting-switch.tsx'
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
  const onChange = async (input: HTMLInputElement) => {
    await (input.checked ? enableNotifications() : disableNotifications())
    // The browser may have said no: the switch shows what is true, not what was clicked.
    input.checked = notificationsEnabled()
  }
  return (
    <SettingSwitch
      id={id}
      heading="Notifications"
      label="Notify me of new messages on this device"
      checked={notificationsEnabled()}
      busy={notificationsBusy()}
      disabled={permission() === 'unsupported' || permission() === 'denied'}
      onChange={(input) => void onChange(input)}
      description={status()}
    >
      <Show when={notificationsNote()}>
        <p class="chat-note" role="status">
          {notificationsNote()}
        </p>
      </Show>
    </SettingSwitch>
  )
}
