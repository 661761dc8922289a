import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { inboxOf } from '../../worker/inbox/inbox-key.ts'
import { MAX_PUSH_FAILURES } from '../../worker/inbox/push-sender.ts'
import { DEFAULT_PUSH_SERVICE_HOSTS, isKnownPushService, pushServiceHosts } from '../../worker/push/web-push.ts'
import { call, problemOf, type SignedUp, signUp } from './helpers/http.ts'
import { openChat, type TestSocket } from './helpers/socket.ts'
import { eventually } from './helpers/wait.ts'

const PUSH = 'https://push.parley.test'
const KEYS = { p256dh: `B${'A'.repeat(86)}`, auth: 'A'.repeat(22) }

interface Subscription {
  endpoint: string
  keys: { p256dh: string; auth: string }
}

async function newSubscription(status: number): Promise<Subscription> {
  return (await (await fetch(`${PUSH}/new?status=${status}`, { method: 'POST' })).json()) as Subscription
}

const idOf = (sub: Subscription) => sub.endpoint.split('/').pop()

/** From now on the test push service answers this subscription's pushes with `status` (0: drops the connection). */
async function answerWith(sub: Subscription, status: number): Promise<void> {
  await (await fetch(`${PUSH}/answer/${idOf(sub)}?status=${status}`, { method: 'POST' })).body?.cancel()
}

async function attempts(sub: Subscription): Promise<number> {
  return (await (await fetch(`${PUSH}/attempts/${idOf(sub)}`)).json()) as number
}

/** A push normally arrives within a second; a loaded CI machine gets room to spare. */
const PUSH_WAIT_MS = 20_000

/** Sends one message to `to`, who has no tab open, and waits until its push reached the push service. */
async function pushOnce(ws: TestSocket, sub: Subscription, n: number): Promise<void> {
  const before = await attempts(sub)
  ws.send({ type: 'send', clientId: `pe-${n}`, body: `message ${n}` })
  await ws.next((f) => f.type === 'message' && f.message.clientId === `pe-${n}`)
  expect(
    await eventually(
      () => attempts(sub),
      (a) => a > before,
      PUSH_WAIT_MS,
    ),
  ).toBeGreaterThan(before)
}

/** The inbox's subscription count once it reaches 0 (or the last count seen, for the assertion). */
function subscriptionsOnceDropped(inbox: ReturnType<typeof inboxOf>): Promise<number> {
  return eventually(
    () => inbox.pushSubscriptionCount(),
    (c) => c === 0,
  )
}

async function subscribed(): Promise<{ a: SignedUp; b: SignedUp; ws: TestSocket }> {
  const [a, b] = await Promise.all([signUp(), signUp()])
  return { a, b, ws: await openChat(a.cookie, b.id) }
}

describe('push endpoints', { timeout: 120_000 }, () => {
  it.each([
    ['a loopback address', 'https://127.0.0.1:9555/push/x'],
    ['an unknown host', 'https://push.evil.example/push/x'],
    ['a host that only starts with an allowed one', 'https://push.parley.test.evil.example/push/x'],
    ['an allowed host on another port', 'https://push.parley.test:9555/push/x'],
    ['an allowed host with credentials', 'https://user:secret@push.parley.test/push/x'],
  ])('refuses a subscription at %s with errors.endpoint and stores nothing', async (_, endpoint) => {
    const me = await signUp()
    const res = await call('/api/push/subscriptions', { cookie: me.cookie, body: { endpoint, keys: KEYS } })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors?.endpoint).toMatch(/push service/)
    expect(await inboxOf(env, me.id).pushSubscriptionCount()).toBe(0)
  })

  it('accepts a subscription at a configured push service', async () => {
    const me = await signUp()
    const res = await call('/api/push/subscriptions', { cookie: me.cookie, body: await newSubscription(201) })
    expect(res.status).toBe(201)
    expect(await inboxOf(env, me.id).pushSubscriptionCount()).toBe(1)
  })

  it("allows the major browsers' push services by default, and nothing else", () => {
    const hosts = pushServiceHosts({})
    expect(hosts).toEqual(DEFAULT_PUSH_SERVICE_HOSTS)
    expect(pushServiceHosts({ PUSH_SERVICE_HOSTS: ' ' })).toEqual(DEFAULT_PUSH_SERVICE_HOSTS)
    for (const endpoint of [
      'https://fcm.googleapis.com/fcm/send/abc:def',
      'https://updates.push.services.mozilla.com/wpush/v2/gAAAA',
      'https://web.push.apple.com/QGx2',
      'https://wns2-par02p.notify.windows.com/w/?token=BQYAAA',
    ]) {
      expect(isKnownPushService(endpoint, hosts), endpoint).toBe(true)
    }
    for (const endpoint of [
      'https://127.0.0.1:9555/x',
      'https://[::1]/x',
      'https://push.apple.com/x',
      'https://fcm.googleapis.com.evil.example/x',
      'https://evilfcm.googleapis.com/x',
      'https://fcm.googleapis.com:8443/x',
      'http://fcm.googleapis.com/x',
      'https://push.parley.test/x',
    ]) {
      expect(isKnownPushService(endpoint, hosts), endpoint).toBe(false)
    }
  })

  it('reads PUSH_SERVICE_HOSTS as comma-separated host patterns', () => {
    const hosts = pushServiceHosts({ PUSH_SERVICE_HOSTS: 'Push.Example.com, *.push.example.net,' })
    expect(hosts).toEqual(['push.example.com', '*.push.example.net'])
    expect(isKnownPushService('https://push.example.com/a', hosts)).toBe(true)
    expect(isKnownPushService('https://eu.push.example.net/a', hosts)).toBe(true)
    expect(isKnownPushService('https://push.example.net/a', hosts)).toBe(false)
    expect(isKnownPushService('https://fcm.googleapis.com/a', hosts)).toBe(false)
  })

  it(`drops a subscription after ${MAX_PUSH_FAILURES} pushes in a row fail with 500`, async () => {
    const { b, ws } = await subscribed()
    const sub = await newSubscription(500)
    expect((await call('/api/push/subscriptions', { cookie: b.cookie, body: sub })).status).toBe(201)
    const inbox = inboxOf(env, b.id)
    for (let n = 1; n < MAX_PUSH_FAILURES; n++) {
      await pushOnce(ws, sub, n)
      expect(await inbox.pushSubscriptionCount()).toBe(1)
    }
    await pushOnce(ws, sub, MAX_PUSH_FAILURES)
    expect(await subscriptionsOnceDropped(inbox)).toBe(0)
    ws.close()
  })

  it('counts dropped connections as failures too', async () => {
    const { b, ws } = await subscribed()
    const sub = await newSubscription(201)
    await call('/api/push/subscriptions', { cookie: b.cookie, body: sub })
    await answerWith(sub, 0)
    for (let n = 1; n <= MAX_PUSH_FAILURES; n++) await pushOnce(ws, sub, n)
    expect(await subscriptionsOnceDropped(inboxOf(env, b.id))).toBe(0)
    ws.close()
  })

  it('starts counting again after a push is delivered', async () => {
    const { b, ws } = await subscribed()
    const sub = await newSubscription(500)
    await call('/api/push/subscriptions', { cookie: b.cookie, body: sub })
    const inbox = inboxOf(env, b.id)
    let n = 0
    for (let i = 1; i < MAX_PUSH_FAILURES; i++) await pushOnce(ws, sub, ++n)
    await answerWith(sub, 201)
    await pushOnce(ws, sub, ++n)
    await answerWith(sub, 503)
    for (let i = 1; i < MAX_PUSH_FAILURES; i++) await pushOnce(ws, sub, ++n)
    expect(await inbox.pushSubscriptionCount()).toBe(1)
    await pushOnce(ws, sub, ++n)
    expect(await subscriptionsOnceDropped(inbox)).toBe(0)
    ws.close()
  })
})
