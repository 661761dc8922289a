// Parley's service worker: shows Web Push notifications and opens the conversation when one
// is clicked. It handles no fetches, so pages load exactly as they would without it.

self.addEventListener('install', () => {
  // A new version takes over at once: it holds no caches that could go stale.
  self.skipWaiting()
})

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim())
})

/** The push payload the server sends: { title, body, peerId, seq, tag }. */
function readPayload(event) {
  if (!event.data) return null
  try {
    const data = event.data.json()
    return data && typeof data === 'object' ? data : null
  } catch {
    return { title: 'Parley', body: event.data.text() }
  }
}

self.addEventListener('push', (event) => {
  const payload = readPayload(event)
  const title = typeof payload?.title === 'string' && payload.title ? payload.title : 'Parley'
  const peerId = typeof payload?.peerId === 'string' ? payload.peerId : null
  const options = {
    // An empty body (a message of files alone, from an older server) still says something.
    body: typeof payload?.body === 'string' && payload.body ? payload.body : 'You have a new message.',
    // The same tag as in-page notifications, so one conversation shows one notification.
    tag: peerId ? `parley-${peerId}` : typeof payload?.tag === 'string' ? payload.tag : 'parley',
    renotify: true,
    icon: '/favicon.svg',
    data: { peerId, seq: payload?.seq ?? null },
  }
  event.waitUntil(self.registration.showNotification(title, options))
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const peerId = event.notification.data?.peerId
  const path = typeof peerId === 'string' ? `/c/${encodeURIComponent(peerId)}` : '/'
  event.waitUntil(openConversation(peerId, path))
})

async function openConversation(peerId, path) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
  const existing = windows.find((client) => new URL(client.url).origin === self.location.origin)
  if (existing) {
    // The open tab navigates within the app (no reload) when told which conversation to show.
    const focused = await existing.focus()
    if (typeof peerId === 'string') focused.postMessage({ type: 'parley:open', peerId })
    return
  }
  await self.clients.openWindow(path)
}
