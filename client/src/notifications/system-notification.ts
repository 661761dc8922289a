// Notifications outside the page (the operating system's), for when Parley is hidden or in
// the background. Through the service worker where there is one (required on Android),
// otherwise the page's own Notification. One per conversation (its tag); it follows its
// message: an edit changes its text quietly, a deletion closes it.
import { notificationsEnabled } from './preference.ts'
import { activeRegistration } from './service-worker.ts'

export interface SystemAlert {
  title: string
  body: string
  peerId: string
  seq: number
}

type Opener = (peerId: string) => void
let opener: Opener = () => {}
/** Notifications this page made itself (no service worker), by tag, so they can be changed or closed. */
const pageMade = new Map<string, Notification>()

const tagFor = (peerId: string) => `parley-${peerId}`

function showsSeq(n: Notification, seq: number): boolean {
  const data = n.data as { seq?: unknown } | null
  return data?.seq === seq
}

/** How a click on a page-made notification reaches the router. */
export function setNotificationOpener(open: Opener): void {
  opener = open
}

/** Shows the alert if the person turned notifications on; false when it was not shown. */
export async function showSystemNotification(alert: SystemAlert, quietly = false): Promise<boolean> {
  if (!notificationsEnabled()) return false
  // One notification per conversation: a newer message replaces the older one.
  const tag = tagFor(alert.peerId)
  const options: NotificationOptions & { renotify?: boolean } = {
    body: alert.body,
    tag,
    renotify: !quietly,
    silent: quietly,
    icon: '/favicon.svg',
    data: { peerId: alert.peerId, seq: alert.seq },
  }
  try {
    const registration = await activeRegistration()
    if (registration) {
      await registration.showNotification(alert.title, options)
      return true
    }
    const notification = new Notification(alert.title, options)
    pageMade.set(tag, notification)
    notification.onclick = () => {
      window.focus()
      opener(alert.peerId)
      notification.close()
    }
    notification.onclose = () => {
      if (pageMade.get(tag) === notification) pageMade.delete(tag)
    }
    return true
  } catch {
    return false
  }
}

/** The conversation's notifications on screen now: the service worker's (push ones too) and the page's own. */
async function shownFor(peerId: string): Promise<Notification[]> {
  const tag = tagFor(peerId)
  const registration = await activeRegistration().catch(() => null)
  const open = (await registration?.getNotifications({ tag }).catch(() => [])) ?? []
  const own = pageMade.get(tag)
  return own ? [...open, own] : open
}

/** Closes this conversation's notifications once it is open here. */
export async function closeSystemNotifications(peerId: string): Promise<void> {
  for (const n of await shownFor(peerId)) n.close()
}

/** Closes the conversation's notification if it shows the message with `seq` (which was deleted). */
export async function closeSystemNotificationOf(peerId: string, seq: number): Promise<void> {
  for (const n of await shownFor(peerId)) if (showsSeq(n, seq)) n.close()
}

/** Shows the new text of an edited message, without a sound, if its notification is still up. */
export async function refreshSystemNotification(alert: SystemAlert): Promise<void> {
  const shown = await shownFor(alert.peerId)
  if (shown.some((n) => showsSeq(n, alert.seq))) await showSystemNotification(alert, true)
}
