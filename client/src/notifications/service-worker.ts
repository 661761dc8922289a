// Registers /sw.js (the offline app shell, Web Push and notification clicks) and forwards its
// "open this conversation" messages to the router. main.tsx registers it on every visit,
// signed in or not, so the shell is cached before the first time the network is gone.

const SW_URL = '/sw.js'
const READY_TIMEOUT_MS = 5_000

type OpenListener = (peerId: string) => void
let openListener: OpenListener | null = null
let registering: Promise<ServiceWorkerRegistration | null> | null = null

export function serviceWorkerSupported(): boolean {
  return 'serviceWorker' in navigator
}

function onMessage(event: MessageEvent): void {
  const data = event.data as { type?: unknown; peerId?: unknown } | null
  if (data?.type === 'parley:open' && typeof data.peerId === 'string') openListener?.(data.peerId)
}

/** Registers once per page; null where service workers are unavailable or refused. */
export function registerServiceWorker(): Promise<ServiceWorkerRegistration | null> {
  if (!serviceWorkerSupported()) return Promise.resolve(null)
  registering ??= (async () => {
    navigator.serviceWorker.addEventListener('message', onMessage)
    try {
      return await navigator.serviceWorker.register(SW_URL, { scope: '/' })
    } catch {
      return null
    }
  })()
  return registering
}

/** The active registration, waiting briefly for a fresh install to activate. */
export async function activeRegistration(): Promise<ServiceWorkerRegistration | null> {
  const registration = await registerServiceWorker()
  if (!registration) return null
  if (registration.active) return registration
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), READY_TIMEOUT_MS))
  return Promise.race([navigator.serviceWorker.ready, timeout])
}

export function onServiceWorkerOpen(listener: OpenListener | null): void {
  openListener = listener
}
