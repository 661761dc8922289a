// Messages people change (CONTRACT.md: edit, delete, react, replyTo, update): who may, when,
// what both members see live, and what a client that was away is told.
import { describe, expect, it } from 'vitest'
import { signUp } from './helpers/http.ts'
import { type Frame, openChat, type TestSocket } from './helpers/socket.ts'

const isMessage = (seq: number) => (f: Frame) => f.type === 'message' && f.message.seq === seq
const isUpdate = (seq: number) => (f: Frame) => f.type === 'update' && f.message.seq === seq
const isError = (seq: number) => (f: Frame) => f.type === 'error' && f.seq === seq

async function pairWith(count: number) {
  const [a, b] = await Promise.all([signUp({ firstName: 'Ann' }), signUp({ firstName: 'Bob' })])
  const wa = await openChat(a.cookie, b.id)
  const wb = await openChat(b.cookie, a.id)
  for (let i = 1; i <= count; i++) {
    wa.send({ type: 'send', clientId: `m${i}`, body: `message ${i}` })
    await wb.next(isMessage(i))
  }
  return { a, b, wa, wb }
}

async function both(wa: TestSocket, wb: TestSocket, match: (f: Frame) => boolean): Promise<Frame> {
  const [fa, fb] = await Promise.all([wa.next(match), wb.next(match)])
  expect(fa).toEqual(fb)
  return fa
}

describe('edit', () => {
  it('shows the new text to both members live, marked edited, with a higher rev', async () => {
    const { wa, wb } = await pairWith(1)
    wa.send({ type: 'edit', seq: 1, body: '  fixed typo  ' })
    const u = await both(wa, wb, isUpdate(1))
    expect(u.message).toMatchObject({ seq: 1, body: 'fixed typo', rev: 2 })
    expect(new Date(u.message.editedAt).toISOString()).toBe(u.message.editedAt)
  })

  it("refuses an edit of the peer's message with not-allowed carrying the seq", async () => {
    const { wb } = await pairWith(1)
    wb.send({ type: 'edit', seq: 1, body: 'mine now' })
    expect(await wb.next(isError(1))).toMatchObject({ code: 'not-allowed' })
  })

  it('answers an unknown seq with not-found', async () => {
    const { wa } = await pairWith(1)
    wa.send({ type: 'edit', seq: 9, body: 'x' })
    expect(await wa.next(isError(9))).toMatchObject({ code: 'not-found' })
  })
})

describe('delete', () => {
  it('leaves a deleted message in place for both, with no body', async () => {
    const { wa, wb } = await pairWith(2)
    wa.send({ type: 'delete', seq: 1 })
    const u = await both(wa, wb, isUpdate(1))
    expect(u.message).toMatchObject({ seq: 1, body: '', rev: 3 })
    expect(u.message.deletedAt).toBeTruthy()
  })
})

describe('react', () => {
  it('adds and removes reactions from both members', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    wb.send({ type: 'react', seq: 1, emoji: '👍', on: true })
    expect((await both(wa, wb, isUpdate(1))).message.reactions).toEqual({ '👍': [b.id] })
    wa.send({ type: 'react', seq: 1, emoji: '👍', on: true })
    expect((await both(wa, wb, isUpdate(1))).message.reactions).toEqual({ '👍': [b.id, a.id] })
    wb.send({ type: 'react', seq: 1, emoji: '👍', on: false })
    expect((await both(wa, wb, isUpdate(1))).message.reactions).toEqual({ '👍': [a.id] })
  })
})

describe('reply', () => {
  it('quotes the original, and the quote follows its deletion', async () => {
    const { a, wa, wb } = await pairWith(1)
    wb.send({ type: 'send', clientId: 'r1', body: 'answer', replyTo: 1 })
    const m = await both(wa, wb, isMessage(2))
    expect(m.message.replyTo).toEqual({ seq: 1, senderId: a.id, preview: 'message 1' })
  })
})

describe('since', () => {
  it('replays changes a client missed as updates, then new messages', async () => {
    const { a, b, wa, wb } = await pairWith(3)
    // Bob saw messages 1-3 (revs 1-3), then went away.
    wb.close()
    wa.send({ type: 'edit', seq: 2, body: 'edited while away' })
    await wa.next(isUpdate(2))
    wa.send({ type: 'delete', seq: 1 })
    await wa.next(isUpdate(1))
    wa.send({ type: 'send', clientId: 'm4', body: 'message 4' })
    await wa.next(isMessage(4))
    const back = await openChat(b.cookie, a.id, 3, 3)
    await back.next(isMessage(4))
    const replay = back.frames.filter((f) => f.type === 'update' || f.type === 'message')
    expect(replay.map((f) => [f.type, f.message.seq])).toEqual([
      ['update', 1],
      ['update', 2],
      ['message', 4],
    ])
  })
})
