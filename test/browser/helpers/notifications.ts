// Watching the notifications a page raises, without replacing them: an init script wraps
// window.Notification and ServiceWorkerRegistration.prototype.showNotification, records
// each call, and passes it on to the browser.
import type { BrowserContext, Page } from 'playwright-core'

export interface RecordedNotification {
  via: 'page' | 'service-worker'
  title: string
  body: string
  tag: string
}

export async function recordNotifications(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const calls: { via: string; title: string; body: string; tag: string }[] = []
    Object.defineProperty(window, '__parleyNotifications', { value: calls })
    const record = (via: string, title: string, options?: NotificationOptions) =>
      calls.push({ via, title, body: options?.body ?? '', tag: options?.tag ?? '' })
    const Original = window.Notification
    if (Original) {
      const Recording = function (this: unknown, title: string, options?: NotificationOptions) {
        record('page', title, options)
        return new Original(title, options)
      } as unknown as typeof Notification
      Object.defineProperty(Recording, 'permission', { get: () => Original.permission })
      Object.defineProperty(Recording, 'requestPermission', { value: Original.requestPermission.bind(Original) })
      Recording.prototype = Original.prototype
      window.Notification = Recording
    }
    if (typeof ServiceWorkerRegistration !== 'undefined') {
      const show = ServiceWorkerRegistration.prototype.showNotification
      ServiceWorkerRegistration.prototype.showNotification = function (title, options) {
        record('service-worker', title, options)
        return show.call(this, title, options)
      }
    }
  })
}

export function recordedNotifications(page: Page): Promise<RecordedNotification[]> {
  return page.evaluate(
    () => (window as unknown as { __parleyNotifications?: RecordedNotification[] }).__parleyNotifications ?? [],
  )
}
