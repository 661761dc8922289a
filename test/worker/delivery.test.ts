// Whether a message reached the other person (CONTRACT.md: Message.deliveredAt, the
// `delivered` frame, ready.deliveredUpTo): it did once one of their devices had it, by
// a chat socket of the conversation, their notifications socket, or an accepted push.
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { roomFor } from '../../worker/rooms/room-key.ts'
import { closeAll, inboxLastSeq, messageIn, pairWith, say } from './helpers/chat.ts'
import { call, signUp } from './helpers/http.ts'
import { type Frame, openChat, openSocket } from './helpers/socket.ts'
import { eventually } from './helpers/wait.ts'

const QUIET_MS = 300
const PUSH = 'https://push.parley.test'
const isDelivered = (userId: string, upTo: number) => (f: Frame) =>
  f.type === 'delivered' && f.userId === userId && f.upTo === upTo
const anyDelivered = (f: Frame) => f.type === 'delivered'

async function subscribe(cookie: string, status = 201) {
  const sub = (await (await fetch(`${PUSH}/new?status=${status}`, { method: 'POST' })).json()) as {
    endpoint: string
    keys: { p256dh: string; auth: string }
  }
  expect((await call('/api/push/subscriptions', { cookie, body: sub })).status).toBe(201)
  const id = sub.endpoint.split('/').pop()
  return {
    received: async () => (await (await fetch(`${PUSH}/received/${id}`)).json()) as Frame[],
    attempts: async () => (await (await fetch(`${PUSH}/attempts/${id}`)).json()) as number,
  }
}

/** Ann has the chat open; Bob has nothing open. */
async function annAndAbsentBob() {
  const [a, b] = await Promise.all([signUp({ firstName: 'Ann' }), signUp({ firstName: 'Bob' })])
  const wa = await openChat(a.cookie, b.id)
  return { a, b, wa, roomId: roomFor(env, a.id, b.id).roomId }
}

describe('a recipient with the chat open', () => {
  it("has the message at once: Ann's socket is told it was delivered, and history shows when", async () => {
    const { a, b, wa, wb } = await pairWith(0)
    const sent = await say(wa, 'hello')
    expect(sent.deliveredAt).toBeUndefined()
    const delivered = await wa.next(anyDelivered)
    expect(delivered).toEqual({ type: 'delivered', userId: b.id, upTo: 1, at: expect.any(String) })
    expect(new Date(delivered.at).toISOString()).toBe(delivered.at)
    expect(await wb.next(isDelivered(b.id, 1))).toEqual(delivered)
    for (const [cookie, peer] of [
      [a.cookie, b.id],
      [b.cookie, a.id],
    ] as const) {
      expect((await messageIn(cookie, peer, 1))?.deliveredAt).toBe(delivered.at)
    }
    closeAll(wa, wb)
  })

  it('works both ways, and a new socket reads both positions in ready.deliveredUpTo', async () => {
    const { a, b, wa, wb } = await pairWith(2)
    await wa.next(isDelivered(b.id, 2))
    await say(wb, 'hi Ann')
    expect(await wa.next(anyDelivered)).toMatchObject({ userId: a.id, upTo: 3 })
    const third = await openChat(b.cookie, a.id)
    expect(Object.keys(third.ready?.deliveredUpTo ?? {}).sort()).toEqual([a.id, b.id].sort())
    expect(third.ready?.deliveredUpTo[a.id]).toBe(3)
    // Bob has every message of Ann's (1 and 2); 3 is his own, so 2 and 3 both say so.
    expect(third.ready?.deliveredUpTo[b.id]).toBeGreaterThanOrEqual(2)
    closeAll(wa, wb, third)
  })

  it('starts at 0 for both in ready.deliveredUpTo', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const wa = await openChat(a.cookie, b.id)
    expect(wa.ready?.deliveredUpTo).toEqual({ [a.id]: 0, [b.id]: 0 })
    wa.close()
  })
})

describe('a recipient with only the notifications socket open', () => {
  it('has the message: Ann is told it was delivered, and history shows when', async () => {
    const [a, b] = await Promise.all([signUp({ firstName: 'Ann' }), signUp({ firstName: 'Bob' })])
    const nb = await openSocket('/api/notifications/ws', b.cookie)
    await nb.nextOfType('unread')
    const wa = await openChat(a.cookie, b.id)
    await say(wa, 'are you there?')
    const delivered = await wa.next(anyDelivered)
    expect(delivered).toMatchObject({ type: 'delivered', userId: b.id, upTo: 1 })
    expect((await messageIn(a.cookie, b.id, 1))?.deliveredAt).toBe(delivered.at)
    closeAll(nb, wa)
  })
})

describe('a recipient with nothing open', () => {
  it('does not have the message until Bob opens the chat; then it is delivered, all of it at once', async () => {
    const { a, b, wa, roomId } = await annAndAbsentBob()
    await say(wa, 'one')
    await say(wa, 'two')
    await say(wa, 'three')
    // Bob's inbox heard of the messages, with no device of his connected.
    await eventually(
      () => inboxLastSeq(b.id, roomId),
      (s) => s === 3,
    )
    expect(await wa.silentFor(anyDelivered, QUIET_MS)).toBe(true)
    for (const seq of [1, 2, 3]) expect((await messageIn(a.cookie, b.id, seq))?.deliveredAt).toBeUndefined()
    const annElsewhere = await openChat(a.cookie, b.id)
    expect(annElsewhere.ready?.deliveredUpTo).toEqual({ [a.id]: 0, [b.id]: 0 })

    const wb = await openChat(b.cookie, a.id)
    expect(wb.ready?.deliveredUpTo).toMatchObject({ [b.id]: 3 })
    const delivered = await wa.next(anyDelivered)
    expect(delivered).toMatchObject({ userId: b.id, upTo: 3 })
    for (const seq of [1, 2, 3]) expect((await messageIn(a.cookie, b.id, seq))?.deliveredAt).toBe(delivered.at)
    closeAll(wa, wb, annElsewhere)
  })

  it('has the message once Bob later opens only his notifications socket', async () => {
    const { a, b, wa, roomId } = await annAndAbsentBob()
    await say(wa, 'when you get this')
    await eventually(
      () => inboxLastSeq(b.id, roomId),
      (s) => s === 1,
    )
    expect(await wa.silentFor(anyDelivered, QUIET_MS)).toBe(true)
    // CONTRACT.md, deliveredAt: "the recipient had, or later opened, … their notifications socket".
    const nb = await openSocket('/api/notifications/ws', b.cookie)
    const delivered = await wa.next(anyDelivered)
    expect(delivered).toMatchObject({ userId: b.id, upTo: 1 })
    expect((await messageIn(a.cookie, b.id, 1))?.deliveredAt).toBe(delivered.at)
    closeAll(wa, nb)
  })

  it('has the message once a push service accepts a notification for it', async () => {
    const { a, b, wa } = await annAndAbsentBob()
    const push = await subscribe(b.cookie)
    await say(wa, 'ping from the push service')
    const delivered = await wa.next(anyDelivered, 10_000)
    expect(delivered).toMatchObject({ userId: b.id, upTo: 1 })
    expect(await push.received()).toHaveLength(1)
    expect((await messageIn(a.cookie, b.id, 1))?.deliveredAt).toBe(delivered.at)
    wa.close()
  })

  it('does not have the message when the push service refuses the notification', async () => {
    const { a, b, wa } = await annAndAbsentBob()
    const push = await subscribe(b.cookie, 500)
    await say(wa, 'nobody home')
    await eventually(
      () => push.attempts(),
      (n) => n >= 1,
    )
    expect(await wa.silentFor(anyDelivered, QUIET_MS)).toBe(true)
    expect((await messageIn(a.cookie, b.id, 1))?.deliveredAt).toBeUndefined()
    wa.close()
  })
})

describe('delivery and read receipts', () => {
  it('is still reported while Bob has read receipts off', async () => {
    const { a, b, wa, wb } = await pairWith(0)
    expect((await call('/api/me', { method: 'PATCH', cookie: b.cookie, body: { readReceipts: false } })).status).toBe(
      200,
    )
    await say(wa, 'still delivered?')
    const delivered = await wa.next(anyDelivered)
    expect(delivered).toMatchObject({ userId: b.id, upTo: 1 })
    expect((await messageIn(a.cookie, b.id, 1))?.deliveredAt).toBe(delivered.at)
    closeAll(wa, wb)
  })
})
