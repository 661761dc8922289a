// Read receipts work both ways (CONTRACT.md: Read receipts): while either member has them
// off, neither learns when the other read — no `read` frames about the other member, 0 for
// the other member in readUpTo and peerReadUpTo, no readAt — yet each keeps their own read
// position. Switching is live (`receipts` frame) and turning them back on restores them.
import { describe, expect, it } from 'vitest'
import { both, closeAll, conversationWith, historyOf, isMessage, isUpdate, pairWith, say } from './helpers/chat.ts'
import { call, type SignedUp } from './helpers/http.ts'
import { type Frame, openChat } from './helpers/socket.ts'
import { eventually } from './helpers/wait.ts'

const QUIET_MS = 300
const isRead = (f: Frame) => f.type === 'read'
const isReceipts = (on: boolean) => (f: Frame) => f.type === 'receipts' && f.readReceipts === on

async function setReceipts(user: SignedUp, on: boolean): Promise<void> {
  const res = await call('/api/me', { method: 'PATCH', cookie: user.cookie, body: { readReceipts: on } })
  expect(res.status).toBe(200)
  expect(((await res.json()) as { user: { readReceipts: boolean } }).user.readReceipts).toBe(on)
}

/**
 * Ann sent 1 and 2, Bob sent 3; Bob read up to 2 and Ann up to 3, with receipts on, so
 * both positions and readAt were visible before anyone switched.
 */
async function readConversation() {
  const pair = await pairWith(2)
  const { a, b, wa, wb } = pair
  await say(wb, 'message 3')
  await wa.next(isMessage(3))
  wb.send({ type: 'read', upTo: 2 })
  await both(wa, wb, (f) => isRead(f) && f.userId === b.id)
  wa.send({ type: 'read', upTo: 3 })
  await both(wa, wb, (f) => isRead(f) && f.userId === a.id)
  const history = await historyOf(a.cookie, b.id)
  expect(history.map((m) => !!m.readAt)).toEqual([true, true, true])
  // Both chat lists show the other's read position before anyone switches.
  for (const [cookie, peer, upTo] of [
    [a.cookie, b.id, 2],
    [b.cookie, a.id, 3],
  ] as const) {
    const entry = await eventually(
      () => conversationWith(cookie, peer),
      (c) => c?.peerReadUpTo === upTo && c?.unread === 0,
    )
    expect(entry).toMatchObject({ peerReadUpTo: upTo, unread: 0 })
  }
  return pair
}

describe.each([
  ['Bob, the reader,', 'b'],
  ['Ann, the writer,', 'a'],
] as const)('when %s turns read receipts off', (_, who) => {
  it('both chats are told live: readReceipts false, and each sees only their own read position', async () => {
    const { a, b, wa, wb } = await readConversation()
    await setReceipts(who === 'a' ? a : b, false)
    expect(await wa.next(isReceipts(false))).toEqual({
      type: 'receipts',
      readReceipts: false,
      readUpTo: { [a.id]: 3, [b.id]: 0 },
    })
    expect(await wb.next(isReceipts(false))).toEqual({
      type: 'receipts',
      readReceipts: false,
      readUpTo: { [a.id]: 0, [b.id]: 2 },
    })
    closeAll(wa, wb)
  })

  it("Ann is not told when Bob reads, while Bob's own devices are", async () => {
    const { a, b, wa, wb } = await readConversation()
    const bobsPhone = await openChat(b.cookie, a.id)
    await setReceipts(who === 'a' ? a : b, false)
    await Promise.all([wa.next(isReceipts(false)), wb.next(isReceipts(false))])
    await say(wa, 'message 4')
    await bobsPhone.next(isMessage(4))
    wb.send({ type: 'read', upTo: 4 })
    expect(await wb.next(isRead)).toMatchObject({ type: 'read', userId: b.id, upTo: 4 })
    expect(await bobsPhone.next(isRead)).toMatchObject({ userId: b.id, upTo: 4 })
    expect(await wa.silentFor(isRead, QUIET_MS)).toBe(true)
    // Nor is Bob told when Ann reads.
    await say(wb, 'message 5')
    wa.send({ type: 'read', upTo: 5 })
    expect(await wa.next(isRead)).toMatchObject({ userId: a.id, upTo: 5 })
    expect(await wb.silentFor(isRead, QUIET_MS)).toBe(true)
    closeAll(wa, wb, bobsPhone)
  })

  it('a new chat socket shows 0 for the other member in ready.readUpTo, and readReceipts false', async () => {
    const { a, b, wa, wb } = await readConversation()
    await setReceipts(who === 'a' ? a : b, false)
    const annAgain = await openChat(a.cookie, b.id)
    const bobAgain = await openChat(b.cookie, a.id)
    expect(annAgain.ready).toMatchObject({ readReceipts: false, readUpTo: { [a.id]: 3, [b.id]: 0 } })
    expect(bobAgain.ready).toMatchObject({ readReceipts: false, readUpTo: { [a.id]: 0, [b.id]: 2 } })
    closeAll(wa, wb, annAgain, bobAgain)
  })

  it('messages carry no readAt: not in history, not in new messages, updates or replays', async () => {
    const { a, b, wa, wb } = await readConversation()
    await setReceipts(who === 'a' ? a : b, false)
    await Promise.all([wa.next(isReceipts(false)), wb.next(isReceipts(false))])
    for (const [cookie, peer] of [
      [a.cookie, b.id],
      [b.cookie, a.id],
    ] as const) {
      for (const m of await historyOf(cookie, peer)) expect(m.readAt).toBeUndefined()
    }
    wb.send({ type: 'react', seq: 1, emoji: '👍', on: true })
    expect((await both(wa, wb, isUpdate(1))).message.readAt).toBeUndefined()
    await say(wa, 'message 4')
    wb.send({ type: 'read', upTo: 4 })
    await wb.next(isRead)
    wa.send({ type: 'edit', seq: 4, body: 'message 4, edited after it was read' })
    expect((await both(wa, wb, isUpdate(4))).message.readAt).toBeUndefined()
    const replay = await openChat(a.cookie, b.id, 0, 0)
    await replay.next(isMessage(4))
    expect(replay.frames.filter((f) => f.type === 'message' && f.message.readAt)).toEqual([])
    closeAll(wa, wb, replay)
  })

  it('both chat lists show peerReadUpTo 0, and no readAt on the last message, while unread counts keep working', async () => {
    const { a, b, wa, wb } = await readConversation()
    await setReceipts(who === 'a' ? a : b, false)
    for (const [cookie, peer] of [
      [a.cookie, b.id],
      [b.cookie, a.id],
    ] as const) {
      const entry = await eventually(
        () => conversationWith(cookie, peer),
        (c) => c?.peerReadUpTo === 0,
      )
      expect(entry?.peerReadUpTo).toBe(0)
      expect(entry?.lastMessage?.readAt).toBeUndefined()
      expect(entry?.unread).toBe(0)
    }
    await say(wa, 'message 4')
    expect(
      (
        await eventually(
          () => conversationWith(b.cookie, a.id),
          (c) => c?.unread === 1,
        )
      )?.unread,
    ).toBe(1)
    wb.send({ type: 'read', upTo: 4 })
    await wb.next(isRead)
    expect(
      (
        await eventually(
          () => conversationWith(b.cookie, a.id),
          (c) => c?.unread === 0,
        )
      )?.unread,
    ).toBe(0)
    expect((await conversationWith(a.cookie, b.id))?.peerReadUpTo).toBe(0)
    closeAll(wa, wb)
  })

  it('turning them back on restores the positions, readAt, peerReadUpTo and read frames', async () => {
    const { a, b, wa, wb } = await readConversation()
    const switcher = who === 'a' ? a : b
    await setReceipts(switcher, false)
    await Promise.all([wa.next(isReceipts(false)), wb.next(isReceipts(false))])
    await setReceipts(switcher, true)
    const restored = { type: 'receipts', readReceipts: true, readUpTo: { [a.id]: 3, [b.id]: 2 } }
    expect(await wa.next(isReceipts(true))).toEqual(restored)
    expect(await wb.next(isReceipts(true))).toEqual(restored)
    const annAgain = await openChat(a.cookie, b.id)
    expect(annAgain.ready).toMatchObject({ readReceipts: true, readUpTo: restored.readUpTo })
    expect((await historyOf(a.cookie, b.id)).map((m) => !!m.readAt)).toEqual([true, true, true])
    const entry = await eventually(
      () => conversationWith(a.cookie, b.id),
      (c) => c?.peerReadUpTo === 2,
    )
    expect(entry?.peerReadUpTo).toBe(2)
    await say(wa, 'message 4')
    wb.send({ type: 'read', upTo: 4 })
    expect(await wa.next(isRead)).toMatchObject({ type: 'read', userId: b.id, upTo: 4 })
    closeAll(wa, wb, annAgain)
  })
})

describe('with both members off', () => {
  it('stays off until both have turned them back on', async () => {
    const { a, b, wa, wb } = await readConversation()
    await setReceipts(a, false)
    await setReceipts(b, false)
    await setReceipts(b, true)
    const bobAgain = await openChat(b.cookie, a.id)
    expect(bobAgain.ready).toMatchObject({ readReceipts: false, readUpTo: { [a.id]: 0, [b.id]: 2 } })
    await say(wa, 'message 4')
    wb.send({ type: 'read', upTo: 4 })
    await wb.next(isRead)
    expect(await wa.silentFor(isRead, QUIET_MS)).toBe(true)
    await setReceipts(a, true)
    expect(await wa.next(isReceipts(true))).toMatchObject({ readUpTo: { [a.id]: 3, [b.id]: 4 } })
    closeAll(wa, wb, bobAgain)
  })

  it('never shows when Bob read the messages he read while receipts were off', async () => {
    const { a, b, wa, wb } = await readConversation()
    await setReceipts(b, false)
    await say(wa, 'message 4')
    wb.send({ type: 'read', upTo: 4 })
    await wb.next(isRead)
    await setReceipts(b, true)
    await wa.next(isReceipts(true))
    const history = await historyOf(a.cookie, b.id)
    expect(history.find((m) => m.seq === 4)?.readAt).toBeUndefined()
    expect(history.find((m) => m.seq === 1)?.readAt).toBeTruthy()
    closeAll(wa, wb)
  })
})
