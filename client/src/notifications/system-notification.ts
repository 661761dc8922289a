// Notifications outside the page (the operating system's), for when Parley is hidden or in
// the background. Through the service worker where there is one (required on Android),
// otherwise the page's own Notification.
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

/** How a click on a page-made notification reaches the router. */
export function setNotificationOpener(open: Opener): void {
  opener = open
}

/** Shows the alert if the person turned notifications on; false when it was not shown. */
export async function showSystemNotification(alert: SystemAlert): Promise<boolean> {
  if (!notificationsEnabled()) return false
  // One notification per conversation: a newer message replaces the older one.
  const tag = `parley-${alert.peerId}`
  const options: NotificationOptions & { renotify?: boolean } = {
    body: alert.body,
    tag,
    renotify: true,
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
    notification.onclick = () => {
      window.focus()
      opener(alert.peerId)
      notification.close()
    }
    return true
  } catch {
    return false
  }
}

/** Closes this conversation's notifications once it is open here. */
export async function closeSystemNotifications(peerId: string): Promise<void> {
  const registration = await activeRegistration().catch(() => null)
  const open = await registration?.getNotifications({ tag: `parley-${peerId}` }).catch(() => [])
  for (const n of open ?? []) n.close()
}
