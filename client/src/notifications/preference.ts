// Whether this browser should show system notifications: the person's choice (localStorage)
// and the browser's permission, both reactive so settings and the list header agree.
import { createSignal } from 'solid-js'

const KEY = 'parley.notifications'

export type PermissionState = NotificationPermission | 'unsupported'

function readChoice(): boolean {
  try {
    return localStorage.getItem(KEY) === 'on'
  } catch {
    return false
  }
}

function readPermission(): PermissionState {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission
}

const [choice, setChoiceSignal] = createSignal(readChoice())
const [permission, setPermission] = createSignal<PermissionState>(readPermission())

export { permission }

/** The person turned notifications on here. */
export const notificationsChosen = (): boolean => choice()

/** On, and the browser allows it. */
export const notificationsEnabled = (): boolean => choice() && permission() === 'granted'

export function setNotificationsChosen(on: boolean): void {
  try {
    if (on) localStorage.setItem(KEY, 'on')
    else localStorage.setItem(KEY, 'off')
  } catch {
    // Private modes may refuse storage; the choice lasts for this page.
  }
  setChoiceSignal(on)
}

export function refreshPermission(): void {
  setPermission(readPermission())
}

// Another tab changed the choice.
window.addEventListener('storage', (event) => {
  if (event.key === KEY) setChoiceSignal(readChoice())
})
// The permission can change in the browser's own settings while the page is open.
void navigator.permissions
  ?.query({ name: 'notifications' })
  .then((status) => {
    status.addEventListener('change', refreshPermission)
  })
  .catch(() => {})
