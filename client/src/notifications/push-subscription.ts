// Web Push for this device: subscribe with the server's VAPID key and hand the subscription
// to the server, or take it back. Push services can be unreachable (or absent, as in test
// browsers); in-page notifications work without them.
import { api } from '../api.ts'
import { activeRegistration } from './service-worker.ts'

const SUBSCRIBE_TIMEOUT_MS = 10_000

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(err)
      },
    )
  })
}

export type PushOutcome = 'subscribed' | 'not-configured' | 'unsupported' | 'unavailable'

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '')
  const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='))
  const bytes = new Uint8Array(new ArrayBuffer(binary.length))
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

function sameKey(a: ArrayBuffer | null | undefined, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.byteLength) return false
  const view = new Uint8Array(a)
  return view.every((byte, i) => byte === b[i])
}

/** `wanted` is asked again before the server hears of it: the person may have changed their mind meanwhile. */
export async function subscribePush(wanted: () => boolean): Promise<PushOutcome> {
  const registration = await activeRegistration()
  if (!registration || !('pushManager' in registration)) return 'unsupported'
  try {
    const { publicKey } = await api.get<{ publicKey: string | null }>('/push/public-key')
    if (!publicKey) return 'not-configured'
    const applicationServerKey = keyBytes(publicKey)
    let subscription = await registration.pushManager.getSubscription()
    // A subscription made for another key (the server rotated it) cannot be used.
    if (subscription && !sameKey(subscription.options.applicationServerKey, applicationServerKey)) {
      await subscription.unsubscribe()
      subscription = null
    }
    // Some browsers never answer when no push service is reachable: give up after a while.
    subscription ??= await withTimeout(
      registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey }),
      SUBSCRIBE_TIMEOUT_MS,
    )
    if (!wanted()) {
      await subscription.unsubscribe()
      return 'unavailable'
    }
    await api.post<void>('/push/subscriptions', subscription.toJSON())
    return 'subscribed'
  } catch {
    return 'unavailable'
  }
}

export async function unsubscribePush(): Promise<void> {
  const registration = await activeRegistration()
  const subscription = await registration?.pushManager?.getSubscription().catch(() => null)
  if (!subscription) return
  const endpoint = subscription.endpoint
  await subscription.unsubscribe().catch(() => false)
  try {
    await api.delete<void>(`/push/subscriptions?endpoint=${encodeURIComponent(endpoint)}`)
  } catch {
    // 404: the server had already forgotten it. Anything else: the push service will
    // answer 410 for the dead subscription and the server drops it then.
  }
}
