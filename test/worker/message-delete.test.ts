// People take back what they wrote (CONTRACT.md: the `delete` frame, Message.deletedAt):
// only the sender, once; the message keeps its place with no body, quote or reactions, its
// notification goes away, and nobody can answer it any more.
import { env, evictDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { roomFor } from '../../worker/rooms/room-key.ts'
import {
  both,
  closeAll,
  conversationWith,
  historyOf,
  isAnyChange,
  isError,
  isErrorFor,
  isMessage,
  isUpdate,
  messageIn,
  notificationsOf,
  pairWith,
  say,
} from './helpers/chat.ts'
import { signUp } from './helpers/http.ts'
import { openChat, openSocket } from './helpers/socket.ts'
import { eventually } from './helpers/wait.ts'

const QUIET_MS = 300

/** Ann writes to Bob, who has no socket open: each message raises a notification for him. */
async function annWritesToAbsentBob(...bodies: string[]) {
  const [a, b] = await Promise.all([signUp({ firstName: 'Ann' }), signUp({ firstName: 'Bob' })])
  const wa = await openChat(a.cookie, b.id)
  for (const body of bodies) await say(wa, body)
  const page = await eventually(
    () => notificationsOf(b.cookie),
    (p) => p.notifications.length === bodies.length,
  )
  expect(page.unreadTotal).toBe(bodies.length)
  return { a, b, wa }
}

describe('who may delete', () => {
  it("refuses Bob's delete of Ann's message with not-allowed and its seq; the message stays", async () => {
    const { a, b, wa, wb } = await pairWith(1)
    wb.send({ type: 'delete', seq: 1 })
    expect(await wb.next(isError(1))).toMatchObject({ type: 'error', code: 'not-allowed', seq: 1 })
    expect(await wa.silentFor(isAnyChange, QUIET_MS)).toBe(true)
    const m = await messageIn(b.cookie, a.id, 1)
    expect(m).toMatchObject({ body: 'message 1', rev: 1 })
    expect(m?.deletedAt).toBeUndefined()
    closeAll(wa, wb)
  })

  it('answers a delete of a seq that does not exist with not-found and that seq', async () => {
    const { wa, wb } = await pairWith(1)
    wa.send({ type: 'delete', seq: 2 })
    expect(await wa.next(isError(2))).toMatchObject({ code: 'not-found', seq: 2 })
    closeAll(wa, wb)
  })

  it('changes nothing when Ann deletes the same message twice', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    wa.send({ type: 'delete', seq: 1 })
    const first = await both(wa, wb, isUpdate(1))
    wa.send({ type: 'delete', seq: 1 })
    // Once the marker is acknowledged, the second delete has been handled.
    const marker = await say(wa, 'marker')
    expect(marker.rev).toBe(first.message.rev + 1)
    expect(wa.frames.filter(isUpdate(1))).toHaveLength(1)
    expect(await wb.silentFor(isUpdate(1), QUIET_MS)).toBe(true)
    expect(await messageIn(b.cookie, a.id, 1)).toEqual(first.message)
    closeAll(wa, wb)
  })
})

describe('a deleted message', () => {
  it('keeps its seq, sender and time, with body "", deletedAt and no quote or reactions, live and in history', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    wa.send({ type: 'send', clientId: 'reply', body: 'and another thing', replyTo: 1 })
    const sent = (await both(wa, wb, isMessage(2))).message
    wb.send({ type: 'react', seq: 2, emoji: '😂', on: true })
    expect((await both(wa, wb, isUpdate(2))).message.reactions).toEqual({ '😂': [b.id] })
    wa.send({ type: 'delete', seq: 2 })
    const gone = (await both(wa, wb, isUpdate(2))).message
    expect(gone).toMatchObject({ seq: 2, senderId: a.id, sentAt: sent.sentAt, clientId: sent.clientId, body: '' })
    expect(new Date(gone.deletedAt).toISOString()).toBe(gone.deletedAt)
    expect(gone.replyTo).toBeUndefined()
    expect(gone.reactions).toBeUndefined()
    expect(gone.attachments).toBeUndefined()
    for (const [cookie, peer] of [
      [a.cookie, b.id],
      [b.cookie, a.id],
    ] as const) {
      const stored = await messageIn(cookie, peer, 2)
      expect(stored).toMatchObject({ seq: 2, senderId: a.id, sentAt: sent.sentAt, body: '', deletedAt: gone.deletedAt })
      expect(stored?.replyTo).toBeUndefined()
      expect(stored?.reactions).toBeUndefined()
    }
    closeAll(wa, wb)
  })

  it('can no longer be answered: a reply to it is refused with bad-reply and its clientId, and nothing is stored', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    wa.send({ type: 'delete', seq: 1 })
    await both(wa, wb, isUpdate(1))
    wb.send({ type: 'send', clientId: 'too-late', body: 'what did you say?', replyTo: 1 })
    expect(await wb.next(isErrorFor('too-late'))).toMatchObject({ type: 'error', code: 'bad-reply' })
    expect(await wa.silentFor(isMessage(2), QUIET_MS)).toBe(true)
    expect((await historyOf(a.cookie, b.id)).map((m) => m.seq)).toEqual([1])
    // The socket still works for a reply to nothing in particular.
    expect((await say(wb, 'never mind')).seq).toBe(2)
    closeAll(wa, wb)
  })

  it('leaves an empty preview in the quote of an earlier reply, in history and in the chat list', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    wb.send({ type: 'send', clientId: 'r', body: 'agreed', replyTo: 1 })
    expect((await both(wa, wb, isMessage(2))).message.replyTo).toEqual({ seq: 1, senderId: a.id, preview: 'message 1' })
    wa.send({ type: 'delete', seq: 1 })
    await both(wa, wb, isUpdate(1))
    for (const [cookie, peer] of [
      [a.cookie, b.id],
      [b.cookie, a.id],
    ] as const) {
      expect((await messageIn(cookie, peer, 2))?.replyTo).toEqual({ seq: 1, senderId: a.id, preview: '' })
      const entry = await eventually(
        () => conversationWith(cookie, peer),
        (c) => c?.lastMessage?.replyTo?.preview === '',
      )
      expect(entry?.lastMessage).toMatchObject({ seq: 2, body: 'agreed', replyTo: { seq: 1, preview: '' } })
    }
    closeAll(wa, wb)
  })

  it('shows in both chat lists as the last message, deleted and empty', async () => {
    const { a, b, wa, wb } = await pairWith(2)
    wa.send({ type: 'delete', seq: 2 })
    const gone = (await both(wa, wb, isUpdate(2))).message
    for (const [cookie, peer] of [
      [a.cookie, b.id],
      [b.cookie, a.id],
    ] as const) {
      const entry = await eventually(
        () => conversationWith(cookie, peer),
        (c) => !!c?.lastMessage?.deletedAt,
      )
      expect(entry?.lastMessage).toMatchObject({ seq: 2, body: '', deletedAt: gone.deletedAt })
    }
    closeAll(wa, wb)
  })
})

describe('the notification of a deleted message', () => {
  it("disappears from Bob's notifications, and his unread total drops", async () => {
    const { a, b, wa } = await annWritesToAbsentBob('oops, wrong chat', 'hi Bob')
    wa.send({ type: 'delete', seq: 1 })
    await wa.next(isUpdate(1))
    const page = await eventually(
      () => notificationsOf(b.cookie),
      (p) => p.notifications.length === 1,
    )
    expect(page.notifications.map((n) => [n.seq, n.preview])).toEqual([[2, 'hi Bob']])
    expect(page.notifications[0]?.peer.id).toBe(a.id)
    expect(page.unreadTotal).toBe(1)
    wa.close()
  })

  it("no longer counts as unread in Bob's chat list", async () => {
    const { a, b, wa } = await annWritesToAbsentBob('oops, wrong chat', 'hi Bob')
    expect((await conversationWith(b.cookie, a.id))?.unread).toBe(2)
    wa.send({ type: 'delete', seq: 1 })
    await wa.next(isUpdate(1))
    const entry = await eventually(
      () => conversationWith(b.cookie, a.id),
      (c) => c?.unread === 1,
    )
    expect(entry?.unread).toBe(1)
    wa.close()
  })

  it("is taken back live on Bob's notifications socket: notification-removed, then a new unread total", async () => {
    const [a, b] = await Promise.all([signUp({ firstName: 'Ann' }), signUp({ firstName: 'Bob' })])
    const nb = await openSocket('/api/notifications/ws', b.cookie)
    const wa = await openChat(a.cookie, b.id)
    await say(wa, 'oops, wrong chat')
    await say(wa, 'hi Bob')
    const first = await nb.next((f) => f.type === 'notification' && f.notification.seq === 1)
    await nb.next((f) => f.type === 'unread' && f.total === 2)
    wa.send({ type: 'delete', seq: 1 })
    const removed = await nb.nextOfType('notification-removed')
    expect(removed).toEqual({ type: 'notification-removed', id: first.notification.id, peerId: a.id, seq: 1 })
    expect(await nb.nextOfType('unread')).toEqual({ type: 'unread', total: 1, byPeer: { [a.id]: 1 } })
    closeAll(nb, wa)
  })

  it('disappears too when the room had been evicted just before the delete', async () => {
    const { a, b, wa } = await annWritesToAbsentBob('oops', 'hi Bob')
    await evictDurableObject(roomFor(env, a.id, b.id).stub)
    const again = await openChat(a.cookie, b.id)
    again.send({ type: 'delete', seq: 1 })
    await again.next(isUpdate(1))
    const page = await eventually(
      () => notificationsOf(b.cookie),
      (p) => p.notifications.length === 1,
    )
    expect(page.notifications.map((n) => n.seq)).toEqual([2])
    expect(page.unreadTotal).toBe(1)
    closeAll(wa, again)
  })

  it('is not left behind for a message sent and deleted at once', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const wa = await openChat(a.cookie, b.id)
    // Sent and deleted in one go: the inbox may not have heard of the message yet.
    wa.send({ type: 'send', clientId: 'x', body: 'never mind' })
    wa.send({ type: 'delete', seq: 1 })
    // One commit may take both: then the message frame itself shows it deleted.
    await wa.next((f) => (f.type === 'message' || f.type === 'update') && f.message.seq === 1 && !!f.message.deletedAt)
    await say(wa, 'hello')
    const page = await eventually(
      () => notificationsOf(b.cookie),
      (p) => p.notifications.some((n) => n.seq === 2),
    )
    expect(page.notifications.map((n) => n.seq)).toEqual([2])
    expect(page.unreadTotal).toBe(1)
    wa.close()
  })
})
