import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { inboxOf } from '../../worker/inbox/inbox-key.ts'
import type { UserInbox } from '../../worker/inbox/user-inbox.ts'
import type { ChatRoom } from '../../worker/rooms/chat-room.ts'
import { roomFor } from '../../worker/rooms/room-key.ts'
import { call, signUp } from './helpers/http.ts'
import { type Frame, openChat, openSocket, type TestSocket } from './helpers/socket.ts'
import { eventually } from './helpers/wait.ts'

let n = 0
const cid = () => `i-${++n}-${crypto.randomUUID().slice(0, 8)}`

async function pair() {
  const [a, b] = await Promise.all([signUp({ firstName: 'Ann' }), signUp({ firstName: 'Ben' })])
  return { a, b }
}

async function sendAndWait(ws: TestSocket, body: string): Promise<Frame> {
  const clientId = cid()
  ws.send({ type: 'send', clientId, body })
  return ws.next((f) => f.type === 'message' && f.message.clientId === clientId)
}

async function conversationsOf(cookie: string) {
  const res = await call('/api/conversations', { cookie })
  expect(res.status).toBe(200)
  return ((await res.json()) as { conversations: Frame[] }).conversations
}

async function notificationsOf(cookie: string, q = '') {
  const res = await call(`/api/notifications${q}`, { cookie })
  expect(res.status).toBe(200)
  return (await res.json()) as { notifications: Frame[]; unreadTotal: number }
}

type Inbox = ReturnType<typeof inboxOf>
const TAP = Symbol('tap')
const WRAPPED = Symbol('wrapped')
type Tapped = UserInbox & { [TAP]?: { refuse: boolean; deliveries: number } }

/**
 * Every delivery to this inbox is counted; with `refuse` it also fails, as if the call
 * never arrived, until `untap`. RPC ignores methods set on an instance, so the prototype
 * gets a wrapper (once) that acts only on a tapped instance.
 */
async function tap(inbox: Inbox, refuse: boolean): Promise<void> {
  await runInDurableObject(inbox, (instance: UserInbox) => {
    const proto = Object.getPrototypeOf(instance) as UserInbox & { [WRAPPED]?: true }
    if (!proto[WRAPPED]) {
      const original = proto.applyConversation
      proto.applyConversation = async function (this: Tapped, update) {
        const t = this[TAP]
        if (t) {
          t.deliveries++
          if (t.refuse) throw new Error('injected failure')
        }
        return original.call(this, update)
      }
      proto[WRAPPED] = true
    }
    ;(instance as Tapped)[TAP] = { refuse, deliveries: 0 }
  })
}

async function untap(inbox: Inbox): Promise<void> {
  await runInDurableObject(inbox, (instance: UserInbox) => {
    delete (instance as Tapped)[TAP]
  })
}

/** Waits until the room has called the inbox (and, when refused, failed) at least once. */
async function deliveriesTo(inbox: Inbox): Promise<number> {
  return eventually(
    () => runInDurableObject(inbox, (instance: UserInbox) => (instance as Tapped)[TAP]?.deliveries ?? 0),
    (n) => n >= 1,
  )
}

describe('conversation list', () => {
  it('lists a new conversation for both members and for staff by the time its first message is acknowledged', async () => {
    const { a, b } = await pair()
    const staff = await signUp()
    await env.DB.prepare('update users set is_staff = 1 where id = ?').bind(staff.id).run()
    const wa = await openChat(a.cookie, b.id)
    await sendAndWait(wa, 'first words')
    // No waiting: what the acknowledgement says happened is what the lists say.
    const [mine, theirs, admin] = await Promise.all([
      conversationsOf(a.cookie),
      conversationsOf(b.cookie),
      call('/api/admin/conversations', { cookie: staff.cookie }).then(
        async (r) => (await r.json()) as { conversations: { members: string[]; messageCount: number }[] },
      ),
    ])
    expect(mine.map((c) => c.peer.id)).toEqual([b.id])
    expect(theirs.map((c) => [c.peer.id, c.unread])).toEqual([[a.id, 1]])
    const listed = admin.conversations.find((c) => c.members.includes(a.id) && c.members.includes(b.id))
    expect(listed?.messageCount).toBe(1)
    wa.close()
  })

  it('sends a first message’s `message` frame before its `delivered`, when the peer’s notifications socket is open', async () => {
    const { a, b } = await pair()
    const nb = await openSocket('/api/notifications/ws', b.cookie)
    const wa = await openChat(a.cookie, b.id)
    await sendAndWait(wa, 'are you around?')
    await wa.next((f) => f.type === 'delivered' && f.userId === b.id && f.upTo === 1)
    const order = wa.frames.filter((f) => f.type === 'message' || f.type === 'delivered').map((f) => f.type)
    expect(order).toEqual(['message', 'delivered'])
    wa.close()
    nb.close()
  })

  it('lists a conversation once it holds a message, with peer, last message and unread', async () => {
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    expect(await conversationsOf(b.cookie)).toEqual([])
    await sendAndWait(wa, 'hi Ben')
    await sendAndWait(wa, 'are you there?')
    const list = await eventually(
      () => conversationsOf(b.cookie),
      (l) => l[0]?.unread === 2,
    )
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({
      peer: { id: a.id, email: a.email, firstName: 'Ann', lastName: '' },
      lastMessage: { seq: 2, senderId: a.id, body: 'are you there?' },
      unread: 2,
      peerReadUpTo: 0,
      blocked: 'none',
    })
    const mine = await eventually(
      () => conversationsOf(a.cookie),
      (l) => l.length === 1,
    )
    expect(mine[0]).toMatchObject({ peer: { id: b.id }, unread: 0 })
    wa.close()
  })

  it('orders conversations by most recent activity', async () => {
    const me = await signUp()
    const [x, y] = await Promise.all([signUp(), signUp()])
    const wx = await openChat(x.cookie, me.id)
    const wy = await openChat(y.cookie, me.id)
    await sendAndWait(wx, 'first')
    await sendAndWait(wy, 'second')
    const list = await eventually(
      () => conversationsOf(me.cookie),
      (l) => l.length === 2,
    )
    expect(list.map((c) => c.peer.id)).toEqual([y.id, x.id])
    wx.close()
    wy.close()
  })

  it('resets unread when the reader sends a read frame, and shows peerReadUpTo to the sender', async () => {
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    await sendAndWait(wa, 'one')
    await sendAndWait(wa, 'two')
    const wb = await openChat(b.cookie, a.id)
    wb.send({ type: 'read', upTo: 2 })
    await wa.nextOfType('read')
    const bList = await eventually(
      () => conversationsOf(b.cookie),
      (l) => l[0]?.unread === 0,
    )
    expect(bList[0]?.unread).toBe(0)
    const aList = await eventually(
      () => conversationsOf(a.cookie),
      (l) => l[0]?.peerReadUpTo === 2,
    )
    expect(aList[0]?.peerReadUpTo).toBe(2)
    wa.close()
    wb.close()
  })

  it('repairs a failed delivery to the inbox from the outbox, exactly once', async () => {
    const { a, b } = await pair()
    const inbox = inboxOf(env, b.id)
    await tap(inbox, true)
    const wa = await openChat(a.cookie, b.id)
    await sendAndWait(wa, 'will be late')
    // The room has tried and failed, not merely not tried yet.
    expect(await deliveriesTo(inbox)).toBeGreaterThanOrEqual(1)
    expect(await conversationsOf(b.cookie)).toEqual([])
    await untap(inbox)
    const { stub } = roomFor(env, a.id, b.id)
    await runDurableObjectAlarm(stub)
    await runDurableObjectAlarm(stub)
    const list = await conversationsOf(b.cookie)
    expect(list[0]).toMatchObject({ lastMessage: { body: 'will be late' }, unread: 1 })
    const { notifications, unreadTotal } = await notificationsOf(b.cookie)
    expect(notifications).toHaveLength(1)
    expect(unreadTotal).toBe(1)
    wa.close()
  })

  it('catches up from the alarm alone when the room stopped before its inbox heard', async () => {
    const { a, b } = await pair()
    const inbox = inboxOf(env, b.id)
    await tap(inbox, true)
    const wa = await openChat(a.cookie, b.id)
    await sendAndWait(wa, 'stored, not delivered')
    expect(await deliveriesTo(inbox)).toBeGreaterThanOrEqual(1)
    // The room loses its in-memory outbox and retry timer: only the alarm stored with the
    // message is left to tell the inbox.
    expect(await conversationsOf(b.cookie)).toEqual([])
    const { stub } = roomFor(env, a.id, b.id)
    await evictDurableObject(stub)
    await untap(inbox)
    // (The alarm may fire by itself meanwhile; either way it is the alarm that delivers.)
    await runDurableObjectAlarm(stub)
    const list = await eventually(
      () => conversationsOf(b.cookie),
      (l) => l.length === 1,
    )
    expect(list[0]).toMatchObject({ peer: { id: a.id }, lastMessage: { body: 'stored, not delivered' }, unread: 1 })
    const { notifications, unreadTotal } = await notificationsOf(b.cookie)
    expect(notifications.map((x) => x.seq)).toEqual([1])
    expect(unreadTotal).toBe(1)
    wa.close()
  })
})

describe('notifications', () => {
  it('notifies the recipient of each message exactly once, with a preview', async () => {
    const { a, b } = await pair()
    const nb = await openSocket('/api/notifications/ws', b.cookie)
    await nb.nextOfType('unread')
    const wa = await openChat(a.cookie, b.id)
    await sendAndWait(wa, `hello ${'🎉'.repeat(200)}`)
    const page = await eventually(
      () => notificationsOf(b.cookie),
      (p) => p.notifications.length === 1,
    )
    const [note] = page.notifications
    expect(note).toMatchObject({ kind: 'message', peer: { id: a.id }, seq: 1, read: false })
    expect([...note!.preview]).toHaveLength(140)
    expect(page.unreadTotal).toBe(1)
    expect((await notificationsOf(a.cookie)).notifications).toEqual([])
    expect((await nb.nextOfType('notification')).notification).toMatchObject({ seq: 1 })
    // A room that wakes with no record of what its inboxes heard tells them again, owed
    // notification included: the repeat must add nothing.
    const inbox = inboxOf(env, b.id)
    await tap(inbox, false)
    const { stub } = roomFor(env, a.id, b.id)
    await evictDurableObject(stub)
    await runInDurableObject(stub, (room: ChatRoom) => room.alarm())
    expect(await deliveriesTo(inbox)).toBeGreaterThanOrEqual(1)
    // Frames keep their order: whatever the redelivery pushed arrives before this pong.
    nb.send('{ "type": "ping" }')
    await nb.nextOfType('pong')
    expect(nb.frames.filter((f) => f.type === 'notification')).toHaveLength(1)
    const after = await notificationsOf(b.cookie)
    expect(after.notifications).toHaveLength(1)
    expect(after.unreadTotal).toBe(1)
    await untap(inbox)
    wa.close()
    nb.close()
  })

  it("does not notify while one of the recipient's chat sockets is viewing the conversation", async () => {
    const { a, b } = await pair()
    const wb = await openChat(b.cookie, a.id)
    const wa = await openChat(a.cookie, b.id)
    await sendAndWait(wa, 'seen live')
    await wb.nextOfType('message')
    wb.send({ type: 'viewing', active: false })
    // The room answers frames of one socket in order (this spelling is not auto-answered).
    wb.send('{ "type": "ping" }')
    await wb.nextOfType('pong')
    await sendAndWait(wa, 'tab in background')
    const page = await eventually(
      () => notificationsOf(b.cookie),
      (p) => p.notifications.length >= 1,
    )
    expect(page.notifications.map((x) => x.seq)).toEqual([2])
    wa.close()
    wb.close()
  })

  it('notifies a recipient whose chat socket opened with viewing=false', async () => {
    const { a, b } = await pair()
    const hidden = await openSocket(`/api/conversations/${a.id}/ws?viewing=false`, b.cookie)
    await hidden.nextOfType('ready')
    const wa = await openChat(a.cookie, b.id)
    await sendAndWait(wa, 'while hidden')
    const page = await eventually(
      () => notificationsOf(b.cookie),
      (p) => p.notifications.length === 1,
    )
    expect(page.notifications.map((x) => x.seq)).toEqual([1])
    wa.close()
    hidden.close()
  })

  it('pushes unread, notification and conversation frames live over the notifications socket', async () => {
    const { a, b } = await pair()
    const nb = await openSocket('/api/notifications/ws', b.cookie)
    expect(await nb.nextOfType('unread')).toEqual({ type: 'unread', total: 0, byPeer: {} })
    const wa = await openChat(a.cookie, b.id)
    await sendAndWait(wa, 'ping you')
    const conv = await nb.nextOfType('conversation')
    expect(conv.conversation).toMatchObject({ peer: { id: a.id }, lastMessage: { body: 'ping you' }, unread: 1 })
    const note = await nb.nextOfType('notification')
    expect(note.notification).toMatchObject({ seq: 1, preview: 'ping you', read: false })
    expect(await nb.nextOfType('unread')).toEqual({ type: 'unread', total: 1, byPeer: { [a.id]: 1 } })
    nb.send('{"type":"ping"}')
    expect(await nb.nextOfType('pong')).toEqual({ type: 'pong' })
    wa.close()
    nb.close()
  })

  it('marks notifications read by id or all, without marking messages read', async () => {
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    for (const body of ['1', '2', '3']) await sendAndWait(wa, body)
    const page = await eventually(
      () => notificationsOf(b.cookie),
      (p) => p.notifications.length === 3,
    )
    const first = page.notifications.find((x) => x.seq === 1)!
    const res = await call('/api/notifications/read', { cookie: b.cookie, body: { ids: [first.id] } })
    expect(res.status).toBe(204)
    expect((await notificationsOf(b.cookie)).unreadTotal).toBe(2)
    expect((await call('/api/notifications/read', { cookie: b.cookie, body: { all: true } })).status).toBe(204)
    expect((await notificationsOf(b.cookie)).unreadTotal).toBe(0)
    const conv = await conversationsOf(b.cookie)
    expect(conv[0]?.unread).toBe(3)
    expect((await call('/api/notifications/read', { cookie: b.cookie, body: { ids: [5] } })).status).toBe(400)
    expect((await call('/api/notifications/read', { cookie: b.cookie, body: {} })).status).toBe(400)
    wa.close()
  })

  it('marks notifications read when the recipient reads the conversation', async () => {
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    await sendAndWait(wa, 'x')
    await sendAndWait(wa, 'y')
    await eventually(
      () => notificationsOf(b.cookie),
      (p) => p.unreadTotal === 2,
    )
    const wb = await openChat(b.cookie, a.id)
    wb.send({ type: 'read', upTo: 1 })
    const page = await eventually(
      () => notificationsOf(b.cookie),
      (p) => p.unreadTotal === 1,
    )
    expect(page.notifications.find((x) => x.seq === 1)?.read).toBe(true)
    expect(page.notifications.find((x) => x.seq === 2)?.read).toBe(false)
    wa.close()
    wb.close()
  })

  it('pages notifications newest first with a before cursor', async () => {
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    for (const body of ['1', '2', '3']) await sendAndWait(wa, body)
    const all = await eventually(
      () => notificationsOf(b.cookie),
      (p) => p.notifications.length === 3,
    )
    expect(all.notifications.map((x) => x.seq)).toEqual([3, 2, 1])
    const older = await notificationsOf(b.cookie, `?before=${all.notifications[0]!.id}&limit=1`)
    expect(older.notifications.map((x) => x.seq)).toEqual([2])
    wa.close()
  })
})
