// Web Push (RFC 8030) for people with no open tab: payloads encrypted per RFC 8291
// (aes128gcm) and signed per RFC 8292 (VAPID) on WebCrypto, by @block65/webcrypto-web-push.
import { buildPushPayload, type PushSubscription } from '@block65/webcrypto-web-push'
import type { Env } from '../env.ts'

export interface StoredSubscription {
  endpoint: string
  p256dh: string
  auth: string
}

export interface PushNotice {
  title: string
  body: string
  /** The conversation to open when the notification is clicked. */
  peerId: string
  seq: number
  tag: string
}

export type PushOutcome = 'sent' | 'gone' | 'failed'

/**
 * Where browsers' push services live (FCM for Chrome and most Chromium browsers,
 * Mozilla, Apple, Microsoft/WNS); `PUSH_SERVICE_HOSTS` replaces this list. The Worker
 * fetches every stored endpoint, so an arbitrary https URL would let anyone make it
 * open connections to any host (issue 10).
 */
export const DEFAULT_PUSH_SERVICE_HOSTS: readonly string[] = [
  'fcm.googleapis.com',
  'updates.push.services.mozilla.com',
  '*.push.services.mozilla.com',
  '*.push.apple.com',
  '*.notify.windows.com',
]

/** Host patterns from `PUSH_SERVICE_HOSTS` (comma-separated); unset or empty means the default. */
export function pushServiceHosts(env: Pick<Env, 'PUSH_SERVICE_HOSTS'>): readonly string[] {
  const patterns = (env.PUSH_SERVICE_HOSTS ?? '')
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p !== '')
  return patterns.length > 0 ? patterns : DEFAULT_PUSH_SERVICE_HOSTS
}

/** `host` matches itself; `*.host` matches any name under it, not `host` itself. */
function hostMatches(hostname: string, pattern: string): boolean {
  if (pattern.startsWith('*.')) return hostname.endsWith(pattern.slice(1))
  return hostname === pattern
}

/** An https URL on the default port, without credentials, at a host the patterns allow. */
export function isKnownPushService(endpoint: string, patterns: readonly string[]): boolean {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return false
  }
  if (url.protocol !== 'https:' || url.port !== '' || url.username !== '' || url.password !== '') return false
  return patterns.some((p) => hostMatches(url.hostname, p))
}

export const UNKNOWN_PUSH_SERVICE =
  "This browser's push service is not one Parley sends to; notifications still arrive while Parley is open."

export function pushConfigured(env: Env): boolean {
  return !!(env.VAPID_PUBLIC_KEY && env.VAPID_PRIVATE_KEY)
}

/** 'gone' means the push service no longer knows the subscription: drop it. */
export async function sendPush(env: Env, sub: StoredSubscription, notice: PushNotice): Promise<PushOutcome> {
  const subscription: PushSubscription = {
    endpoint: sub.endpoint,
    expirationTime: null,
    keys: { p256dh: sub.p256dh, auth: sub.auth },
  }
  try {
    const payload = await buildPushPayload(
      { data: { ...notice }, options: { ttl: 24 * 3600, urgency: 'high', topic: notice.tag } },
      subscription,
      {
        subject: env.VAPID_SUBJECT ?? 'mailto:admin@parley.invalid',
        publicKey: env.VAPID_PUBLIC_KEY!,
        privateKey: env.VAPID_PRIVATE_KEY!,
      },
    )
    const res = await fetch(sub.endpoint, payload)
    await res.body?.cancel()
    if (res.status === 404 || res.status === 410) return 'gone'
    return res.ok ? 'sent' : 'failed'
  } catch (err) {
    console.warn('web push failed:', err instanceof Error ? err.message : err)
    return 'failed'
  }
}

const B64URL = /^[A-Za-z0-9_-]+={0,2}$/

function decodedLength(b64url: string): number {
  const bare = b64url.replace(/=+$/, '')
  return Math.floor((bare.length * 3) / 4)
}

/** Why a subscription from a browser is refused, or null. */
export function subscriptionProblem(sub: StoredSubscription): Record<string, string> | null {
  const errors: Record<string, string> = {}
  let url: URL | null = null
  try {
    url = new URL(sub.endpoint)
  } catch {
    // reported below
  }
  if (url?.protocol !== 'https:' || sub.endpoint.length > 2048) {
    errors.endpoint = 'A push endpoint is an https URL of at most 2,048 characters.'
  }
  if (!B64URL.test(sub.p256dh) || decodedLength(sub.p256dh) !== 65) {
    errors['keys.p256dh'] = 'p256dh must be an uncompressed P-256 public key in base64url.'
  }
  if (!B64URL.test(sub.auth) || decodedLength(sub.auth) !== 16) {
    errors['keys.auth'] = 'auth must be 16 bytes in base64url.'
  }
  return Object.keys(errors).length > 0 ? errors : null
}
