// Parley's service worker: keeps the app shell (index.html and this build's hashed assets)
// so Parley opens offline, shows Web Push notifications, and opens the conversation when one
// is clicked. It never touches /api: messages, files and sockets always go to the network,
// and what the app shows offline comes from its own IndexedDB copy (client/src/offline/).

// The build writes /sw-build.js (client/vite.config.ts): this build's id and asset list.
// The dev server has none; then nothing is precached, and push still works.
try {
  importScripts('/sw-build.js')
} catch {
  self.PARLEY_BUILD = null
}

const BUILD = self.PARLEY_BUILD ?? null
const CACHE_PREFIX = 'parley-shell-'
const CACHE = BUILD ? `${CACHE_PREFIX}${BUILD.id}` : null
/** The shell every navigation falls back to: the Worker serves index.html for "/". */
const SHELL = '/'

self.addEventListener('install', (event) => {
  // A new version takes over at once: each build has its own cache, so nothing it holds is
  // stale, and navigations always ask the network first.
  self.skipWaiting()
  if (!CACHE) return
  // One file that cannot be fetched must not keep the worker (and Web Push) from installing:
  // each is cached on its own, and a missing one is fetched later like any other.
  event.waitUntil(
    caches.open(CACHE).then((cache) => Promise.allSettled([SHELL, ...BUILD.files].map((file) => cache.add(file)))),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      // Earlier builds' caches go: their assets are no longer referenced by any shell we serve.
      const names = await caches.keys()
      await Promise.all(
        names.filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE).map((name) => caches.delete(name)),
      )
      await self.clients.claim()
    })(),
  )
})

self.addEventListener('fetch', (event) => {
  const request = event.request
  if (!CACHE || request.method !== 'GET') return
  const url = new URL(request.url)
  // Other origins, and everything the API serves (JSON, attachments, sockets), pass untouched.
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return
  if (request.mode === 'navigate') event.respondWith(navigation(event))
  else if (url.pathname.startsWith('/assets/')) event.respondWith(hashedAsset(event))
  else if (BUILD.files.includes(url.pathname)) event.respondWith(networkFirst(request))
})

/** Network first, so a deploy reaches people at once; offline, the cached shell. */
async function navigation(event) {
  const request = event.request
  try {
    const response = await fetch(request)
    // Every app route is the same index.html: the newest one is the shell to keep.
    if (response.ok && (response.headers.get('content-type') ?? '').includes('text/html')) {
      const copy = response.clone()
      event.waitUntil(caches.open(CACHE).then((cache) => cache.put(SHELL, copy)))
    }
    return response
  } catch (err) {
    const cached = await caches.match(SHELL, { cacheName: CACHE })
    if (cached) return cached
    throw err
  }
}

/** Named after their content (immutable): a cached copy is always the right one. */
async function hashedAsset(event) {
  const request = event.request
  const cache = await caches.open(CACHE)
  const cached = await cache.match(request)
  if (cached) return cached
  const response = await fetch(request)
  if (response.ok) event.waitUntil(cache.put(request, response.clone()))
  return response
}

/** Icons and the manifest: fresh when online, the precached copy when not. */
async function networkFirst(request) {
  try {
    return await fetch(request)
  } catch (err) {
    const cached = await caches.match(request, { cacheName: CACHE })
    if (cached) return cached
    throw err
  }
}

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
