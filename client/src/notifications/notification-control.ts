// Turning notifications on (permission after a click, then Web Push) and off (the choice,
// and the push subscription) for this browser.
import { createSignal } from 'solid-js'
import { notificationsChosen, permission, refreshPermission, setNotificationsChosen } from './preference.ts'
import { type PushOutcome, subscribePush, unsubscribePush } from './push-subscription.ts'

const [busy, setBusy] = createSignal(false)
const [note, setNote] = createSignal<string | null>(null)

export { busy as notificationsBusy, note as notificationsNote }

function pushNote(outcome: PushOutcome): string | null {
  switch (outcome) {
    case 'subscribed':
      return null
    case 'not-configured':
    case 'unsupported':
    case 'unavailable':
      return 'Notifications appear while Parley is open in a tab. Push to a closed browser is not available here.'
  }
}

/** Must run from a click or key press: browsers ask for permission only after a gesture. */
export async function enableNotifications(): Promise<void> {
  if (busy()) return
  if (typeof Notification === 'undefined') {
    setNote('This browser cannot show notifications.')
    return
  }
  setBusy(true)
  setNote(null)
  try {
    const answer = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission()
    refreshPermission()
    if (answer !== 'granted') {
      setNote(
        answer === 'denied'
          ? 'Notifications are blocked for Parley in this browser’s settings.'
          : 'Notifications were not allowed.',
      )
      return
    }
    setNotificationsChosen(true)
  } finally {
    setBusy(false)
  }
  // In-page notifications work from here on; push to a closed browser follows when it can.
  const outcome = await subscribePush(notificationsChosen)
  if (notificationsChosen()) setNote(pushNote(outcome))
}

export async function disableNotifications(): Promise<void> {
  if (busy()) return
  setBusy(true)
  setNote(null)
  setNotificationsChosen(false)
  try {
    await unsubscribePush()
  } finally {
    setBusy(false)
  }
}

/**
 * On page load: keep this device's push subscription known to the server while notifications
 * are on. Quietly: the note was shown when they were turned on.
 */
export async function renewPushIfChosen(): Promise<void> {
  if (notificationsChosen() && permission() === 'granted') await subscribePush(notificationsChosen)
}
