// People fix what they wrote (CONTRACT.md: the `edit` frame): only the sender, only a message
// still there, only within the edit window, under the body rules of `send`; the new text
// reaches both members, the chat list and the notification, and never raises a new one.
import { env, evictDurableObject, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { MAX_BODY_CHARS } from '../../protocol/frames.ts'
import { roomFor } from '../../worker/rooms/room-key.ts'
import {
  both,
  closeAll,
  conversationWith,
  historyOf,
  isAnyChange,
  isError,
  isMessage,
  isUpdate,
  messageIn,
  notificationsOf,
  pairWith,
  roomLastRev,
  say,
} from './helpers/chat.ts'
import { call, signUp } from './helpers/http.ts'
import { useVars } from './helpers/limits.ts'
import { type Frame, openChat, openSocket } from './helpers/socket.ts'
import { eventually } from './helpers/wait.ts'

const QUIET_MS = 300
const HOUR = 3600_000

/** Moves a stored message's sentAt back, as if it had been sent `ms` ago. */
async function sentAgo(a: string, b: string, seq: number, ms: number): Promise<void> {
  await runInDurableObject(roomFor(env, a, b).stub, (_: unknown, state: DurableObjectState) => {
    state.storage.sql.exec(
      'update messages set sent_at = ? where seq = ?',
      new Date(Date.now() - ms).toISOString(),
      seq,
    )
  })
}

describe('who may edit what', () => {
  it('lets Ann edit her own message: both see the trimmed new text, editedAt and a higher rev, and so does history', async () => {
    const { a, b, wa, wb } = await pairWith(2)
    wa.send({ type: 'edit', seq: 1, body: '  message one, fixed  ' })
    const u = await both(wa, wb, isUpdate(1))
    expect(u.message).toMatchObject({ seq: 1, senderId: a.id, body: 'message one, fixed', rev: 3 })
    expect(new Date(u.message.editedAt).toISOString()).toBe(u.message.editedAt)
    expect(await messageIn(b.cookie, a.id, 1)).toMatchObject({
      body: 'message one, fixed',
      rev: 3,
      editedAt: u.message.editedAt,
    })
    closeAll(wa, wb)
  })

  it("refuses Bob's edit of Ann's message with not-allowed and its seq, and changes nothing", async () => {
    const { a, b, wa, wb } = await pairWith(1)
    wb.send({ type: 'edit', seq: 1, body: 'words in her mouth' })
    expect(await wb.next(isError(1))).toMatchObject({ type: 'error', code: 'not-allowed', seq: 1 })
    expect(await wa.silentFor(isAnyChange, QUIET_MS)).toBe(true)
    const m = await messageIn(a.cookie, b.id, 1)
    expect(m).toMatchObject({ body: 'message 1', rev: 1 })
    expect(m?.editedAt).toBeUndefined()
    closeAll(wa, wb)
  })

  it('refuses an edit of a message Ann deleted with not-allowed and its seq', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    wa.send({ type: 'delete', seq: 1 })
    await both(wa, wb, isUpdate(1))
    wa.send({ type: 'edit', seq: 1, body: 'back from the dead' })
    expect(await wa.next(isError(1))).toMatchObject({ code: 'not-allowed', seq: 1 })
    expect(await wb.silentFor(isUpdate(1), QUIET_MS)).toBe(true)
    expect(await messageIn(b.cookie, a.id, 1)).toMatchObject({ body: '', rev: 2 })
    closeAll(wa, wb)
  })

  it('answers an edit of a seq that does not exist with not-found and that seq', async () => {
    const { wa, wb } = await pairWith(1)
    wa.send({ type: 'edit', seq: 7, body: 'nothing there' })
    expect(await wa.next(isError(7))).toMatchObject({ code: 'not-found', seq: 7 })
    closeAll(wa, wb)
  })
})

describe('the edit window', () => {
  it('lets Ann edit a message of 23 hours ago but not one of 25 hours ago (default 24 hours)', async () => {
    const { a, b, wa, wb } = await pairWith(2)
    await sentAgo(a.id, b.id, 1, 25 * HOUR)
    await sentAgo(a.id, b.id, 2, 23 * HOUR)
    wa.send({ type: 'edit', seq: 1, body: 'too late' })
    expect(await wa.next(isError(1))).toMatchObject({ code: 'not-allowed', seq: 1 })
    wa.send({ type: 'edit', seq: 2, body: 'just in time' })
    expect((await both(wa, wb, isUpdate(2))).message.body).toBe('just in time')
    expect((await messageIn(a.cookie, b.id, 1))?.body).toBe('message 1')
    closeAll(wa, wb)
  })

  describe('with EDIT_WINDOW_SECONDS=60', () => {
    const { setVars } = useVars()

    it('refuses an edit of a message sent two minutes ago and allows one sent now', async () => {
      setVars({ EDIT_WINDOW_SECONDS: '60' })
      // The room is created for this pair after the override, so it reads the shorter window.
      const { a, b, wa, wb } = await pairWith(2)
      await sentAgo(a.id, b.id, 1, 2 * 60_000)
      wa.send({ type: 'edit', seq: 1, body: 'too late' })
      const refused = await wa.next(isError(1))
      expect(refused).toMatchObject({ code: 'not-allowed', seq: 1 })
      expect(refused.message).toMatch(/1 minute/)
      wa.send({ type: 'edit', seq: 2, body: 'still fresh' })
      expect((await both(wa, wb, isUpdate(2))).message.body).toBe('still fresh')
      closeAll(wa, wb)
    })
  })

  it('still lets Ann delete a message past the edit window', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    await sentAgo(a.id, b.id, 1, 30 * HOUR)
    wa.send({ type: 'delete', seq: 1 })
    expect((await both(wa, wb, isUpdate(1))).message.deletedAt).toBeTruthy()
    closeAll(wa, wb)
  })
})

describe('the body rules of send', () => {
  it.each([
    ['only spaces', 'body-empty', '   \n\t '],
    ['an empty string', 'body-empty', ''],
    [`${MAX_BODY_CHARS + 1} characters`, 'body-too-long', 'x'.repeat(MAX_BODY_CHARS + 1)],
    [`${MAX_BODY_CHARS + 1} emoji (code points, not UTF-16 units)`, 'body-too-long', '😀'.repeat(MAX_BODY_CHARS + 1)],
  ])('refuses an edit to %s with %s carrying the seq, and keeps the old text', async (_, code, body) => {
    const { a, b, wa, wb } = await pairWith(1)
    wa.send({ type: 'edit', seq: 1, body })
    expect(await wa.next(isError(1))).toMatchObject({ type: 'error', code, seq: 1 })
    expect(await wb.silentFor(isAnyChange, QUIET_MS)).toBe(true)
    expect(await messageIn(a.cookie, b.id, 1)).toMatchObject({ body: 'message 1', rev: 1 })
    closeAll(wa, wb)
  })

  it(`accepts an edit to exactly ${MAX_BODY_CHARS} emoji`, async () => {
    const { wa, wb } = await pairWith(1)
    const body = '😀'.repeat(MAX_BODY_CHARS)
    wa.send({ type: 'edit', seq: 1, body })
    expect((await both(wa, wb, isUpdate(1))).message.body).toBe(body)
    closeAll(wa, wb)
  })

  it('refuses an edit whose body is not text with bad-frame carrying the seq', async () => {
    const { wa, wb } = await pairWith(1)
    wa.send({ type: 'edit', seq: 1, body: 42 })
    expect(await wa.next(isError(1))).toMatchObject({ code: 'bad-frame', seq: 1 })
    closeAll(wa, wb)
  })
})

describe('an unchanged body', () => {
  it('changes nothing: no update to anyone, the same rev and no editedAt', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    wa.send({ type: 'edit', seq: 1, body: '  message 1 ' })
    wa.send({ type: 'edit', seq: 1, body: 'message 1' })
    // A marker after the edits: once it is here, the edits have been applied (or not).
    const marker = await say(wa, 'marker')
    expect(marker.rev).toBe(2)
    expect(wa.frames.filter((f) => f.type === 'update' || f.type === 'error')).toEqual([])
    expect(await wb.silentFor(isUpdate(1), QUIET_MS)).toBe(true)
    const m = await messageIn(a.cookie, b.id, 1)
    expect(m).toMatchObject({ body: 'message 1', rev: 1 })
    expect(m?.editedAt).toBeUndefined()
    expect(await roomLastRev(a.id, b.id)).toBe(2)
    closeAll(wa, wb)
  })

  it('changes nothing either after the room was evicted, its plaintext cache gone', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    await evictDurableObject(roomFor(env, a.id, b.id).stub)
    const again = await openChat(a.cookie, b.id)
    again.send({ type: 'edit', seq: 1, body: 'message 1' })
    const marker = await say(again, 'marker')
    expect(marker.rev).toBe(2)
    expect(again.frames.filter((f) => f.type === 'update')).toEqual([])
    const m = await messageIn(a.cookie, b.id, 1)
    expect(m).toMatchObject({ body: 'message 1', rev: 1 })
    expect(m?.editedAt).toBeUndefined()
    closeAll(wa, wb, again)
  })

  it('changes nothing when it repeats the last edit', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    wa.send({ type: 'edit', seq: 1, body: 'second thoughts' })
    const first = await both(wa, wb, isUpdate(1))
    wa.send({ type: 'edit', seq: 1, body: 'second thoughts' })
    await say(wa, 'marker')
    expect(await wb.silentFor(isUpdate(1), QUIET_MS)).toBe(true)
    expect(await messageIn(a.cookie, b.id, 1)).toMatchObject({
      rev: first.message.rev,
      editedAt: first.message.editedAt,
    })
    closeAll(wa, wb)
  })
})

describe('what an edit reaches besides the chat', () => {
  it('shows the edited text as the last message in both chat lists', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    await eventually(
      () => conversationWith(b.cookie, a.id),
      (c) => c?.lastMessage?.seq === 1,
    )
    wa.send({ type: 'edit', seq: 1, body: 'the better version' })
    await both(wa, wb, isUpdate(1))
    for (const [cookie, peer] of [
      [a.cookie, b.id],
      [b.cookie, a.id],
    ] as const) {
      const entry = await eventually(
        () => conversationWith(cookie, peer),
        (c) => c?.lastMessage?.body === 'the better version',
      )
      expect(entry?.lastMessage).toMatchObject({ seq: 1, body: 'the better version', rev: 2 })
      expect(entry?.lastMessage?.editedAt).toBeTruthy()
    }
    closeAll(wa, wb)
  })

  it("keeps Bob's one notification for the message, its preview following the edit, and raises no new one", async () => {
    const [a, b] = await Promise.all([signUp({ firstName: 'Ann' }), signUp({ firstName: 'Bob' })])
    const nb = await openSocket('/api/notifications/ws', b.cookie)
    const wa = await openChat(a.cookie, b.id)
    await say(wa, 'see you at 5')
    const raised = await nb.nextOfType('notification')
    expect(raised.notification).toMatchObject({ seq: 1, preview: 'see you at 5', read: false })
    wa.send({ type: 'edit', seq: 1, body: 'see you at 6' })
    await wa.next(isUpdate(1))
    const page = await eventually(
      () => notificationsOf(b.cookie),
      (p) => p.notifications[0]?.preview === 'see you at 6',
    )
    expect(page.notifications).toHaveLength(1)
    expect(page.notifications[0]).toMatchObject({ id: raised.notification.id, seq: 1, preview: 'see you at 6' })
    expect(page.unreadTotal).toBe(1)
    // Whatever the socket was told since, it is about that same notification: none is new.
    await say(wa, 'marker, a second message')
    await nb.next((f) => f.type === 'notification' && f.notification.seq === 2)
    await nb.next((f) => f.type === 'unread' && f.total === 2)
    const aboutFirst = nb.frames.filter((f) => f.type === 'notification' && f.notification.seq === 1)
    expect(new Set(aboutFirst.map((f) => f.notification.id))).toEqual(new Set([raised.notification.id]))
    const unreadFrames = nb.frames.filter((f) => f.type === 'unread').map((f) => f.total)
    expect(unreadFrames).toEqual([0, 1, 2])
    closeAll(nb, wa)
  })

  it('pushes nothing for an edit to a recipient with no open tab', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const sub = (await (await fetch('https://push.parley.test/new', { method: 'POST' })).json()) as {
      endpoint: string
      keys: { p256dh: string; auth: string }
    }
    expect((await call('/api/push/subscriptions', { cookie: b.cookie, body: sub })).status).toBe(201)
    const received = async () =>
      (await (await fetch(`https://push.parley.test/received/${sub.endpoint.split('/').pop()}`)).json()) as Frame[]
    const wa = await openChat(a.cookie, b.id)
    await say(wa, 'first version')
    expect(await eventually(received, (r) => r.length === 1)).toHaveLength(1)
    wa.send({ type: 'edit', seq: 1, body: 'second version' })
    await wa.next(isUpdate(1))
    // The inbox has applied the edit (its notification follows it) before we look at the pushes.
    await eventually(
      () => notificationsOf(b.cookie),
      (p) => p.notifications[0]?.preview === 'second version',
    )
    const pushes = await received()
    expect(pushes.map((p) => p.payload.body)).toEqual(['first version'])
    wa.close()
  })

  it("shows the edited text in a later reply's quote", async () => {
    const { a, b, wa, wb } = await pairWith(1)
    wb.send({ type: 'send', clientId: 'r', body: 'answer', replyTo: 1 })
    await both(wa, wb, isMessage(2))
    wa.send({ type: 'edit', seq: 1, body: 'what I meant' })
    await both(wa, wb, isUpdate(1))
    const reply = (await historyOf(a.cookie, b.id)).find((m) => m.seq === 2)
    expect(reply?.replyTo).toEqual({ seq: 1, senderId: a.id, preview: 'what I meant' })
    closeAll(wa, wb)
  })
})
