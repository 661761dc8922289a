import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { inboxOf } from '../../worker/inbox/inbox-key.ts'
import { call, problemOf, signUp } from './helpers/http.ts'
import { openChat, openSocket } from './helpers/socket.ts'
import { eventually } from './helpers/wait.ts'

const PUSH = 'https://push.parley.test'

interface Subscription {
  endpoint: string
  keys: { p256dh: string; auth: string }
}

async function newSubscription(status = 201): Promise<Subscription> {
  const res = await fetch(`${PUSH}/new?status=${status}`, { method: 'POST' })
  return (await res.json()) as Subscription
}

async function received(
  sub: Subscription,
): Promise<{ payload: Record<string, unknown>; urgency: string; ttl: string }[]> {
  const id = sub.endpoint.split('/').pop()
  return (await (await fetch(`${PUSH}/received/${id}`)).json()) as never
}

describe('web push', () => {
  it('publishes the VAPID public key', async () => {
    const me = await signUp()
    const res = await call('/api/push/public-key', { cookie: me.cookie })
    expect(((await res.json()) as { publicKey: string }).publicKey).toBe(env.VAPID_PUBLIC_KEY)
  })

  it('pushes an encrypted payload naming the sender to a user with no open tab', async () => {
    const [a, b] = await Promise.all([signUp({ firstName: 'Pat', lastName: 'Sender' }), signUp()])
    const sub = await newSubscription()
    expect((await call('/api/push/subscriptions', { cookie: b.cookie, body: sub })).status).toBe(201)
    const wa = await openChat(a.cookie, b.id)
    wa.send({ type: 'send', clientId: 'p1', body: 'are you around?' })
    await wa.nextOfType('message')
    const pushes = await eventually(
      () => received(sub),
      (r) => r.length === 1,
    )
    expect(pushes).toHaveLength(1)
    expect(pushes[0]!.payload).toMatchObject({ title: 'Pat Sender', body: 'are you around?', peerId: a.id, seq: 1 })
    expect(pushes[0]!.urgency).toBe('high')
    wa.close()
  })

  it('does not push while the user has a live notifications socket', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const sub = await newSubscription()
    await call('/api/push/subscriptions', { cookie: b.cookie, body: sub })
    const nb = await openSocket('/api/notifications/ws', b.cookie)
    const wa = await openChat(a.cookie, b.id)
    wa.send({ type: 'send', clientId: 'p2', body: 'in app' })
    await nb.nextOfType('notification')
    await new Promise((r) => setTimeout(r, 200))
    expect(await received(sub)).toEqual([])
    wa.close()
    nb.close()
  })

  it('removes a subscription the push service answers 410 for', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const gone = await newSubscription(410)
    await call('/api/push/subscriptions', { cookie: b.cookie, body: gone })
    const inbox = inboxOf(env, b.id)
    expect(await inbox.pushSubscriptionCount()).toBe(1)
    const wa = await openChat(a.cookie, b.id)
    wa.send({ type: 'send', clientId: 'p3', body: 'hello?' })
    await wa.nextOfType('message')
    expect(
      await eventually(
        () => inbox.pushSubscriptionCount(),
        (n) => n === 0,
      ),
    ).toBe(0)
    wa.close()
  })

  it('lets a device unsubscribe', async () => {
    const me = await signUp()
    const sub = await newSubscription()
    await call('/api/push/subscriptions', { cookie: me.cookie, body: sub })
    const path = `/api/push/subscriptions?endpoint=${encodeURIComponent(sub.endpoint)}`
    expect((await call(path, { method: 'DELETE', cookie: me.cookie })).status).toBe(204)
    expect((await call(path, { method: 'DELETE', cookie: me.cookie })).status).toBe(404)
  })

  it.each([
    [
      'an http endpoint',
      { endpoint: 'http://push.example/x', keys: { p256dh: 'A'.repeat(87), auth: 'A'.repeat(22) } },
      'endpoint',
    ],
    [
      'a short p256dh key',
      { endpoint: 'https://push.example/x', keys: { p256dh: 'AAAA', auth: 'A'.repeat(22) } },
      'keys.p256dh',
    ],
    ['no keys', { endpoint: 'https://push.example/x' }, 'keys.auth'],
  ])('refuses a subscription with %s', async (_, body, field) => {
    const me = await signUp()
    const res = await call('/api/push/subscriptions', { cookie: me.cookie, body })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors?.[field]).toBeTruthy()
  })
})
