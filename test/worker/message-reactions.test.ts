// People react to messages (CONTRACT.md: the `react` frame, Message.reactions): either
// member, any emoji of 1 to 16 characters without spaces, at most 20 different ones on a
// message, toggled on and off; repeating the current state changes nothing.
import { describe, expect, it } from 'vitest'
import { MAX_REACTIONS_PER_MESSAGE, QUICK_REACTIONS } from '../../protocol/frames.ts'
import { both, closeAll, isAnyChange, isError, isUpdate, messageIn, pairWith, say } from './helpers/chat.ts'

const QUIET_MS = 300

/** Twenty distinct one-character emoji. */
const TWENTY = Array.from({ length: MAX_REACTIONS_PER_MESSAGE }, (_, i) => String.fromCodePoint(0x1f600 + i))

describe('who may react', () => {
  it("lets Bob react to Ann's message and Ann to her own; both see who reacted, in order", async () => {
    const { a, b, wa, wb } = await pairWith(1)
    wb.send({ type: 'react', seq: 1, emoji: '❤️', on: true })
    const first = await both(wa, wb, isUpdate(1))
    expect(first.message).toMatchObject({ seq: 1, body: 'message 1', rev: 2, reactions: { '❤️': [b.id] } })
    wa.send({ type: 'react', seq: 1, emoji: '❤️', on: true })
    expect((await both(wa, wb, isUpdate(1))).message).toMatchObject({ rev: 3, reactions: { '❤️': [b.id, a.id] } })
    wa.send({ type: 'react', seq: 1, emoji: '👍', on: true })
    expect((await both(wa, wb, isUpdate(1))).message.reactions).toEqual({ '❤️': [b.id, a.id], '👍': [a.id] })
    expect((await messageIn(b.cookie, a.id, 1))?.reactions).toEqual({ '❤️': [b.id, a.id], '👍': [a.id] })
    closeAll(wa, wb)
  })

  it('does not mark a message edited when it takes a reaction', async () => {
    const { wa, wb } = await pairWith(1)
    wb.send({ type: 'react', seq: 1, emoji: '👍', on: true })
    expect((await both(wa, wb, isUpdate(1))).message.editedAt).toBeUndefined()
    closeAll(wa, wb)
  })
})

describe('toggling', () => {
  it('removes a reaction when it is turned off, and leaves no empty reactions behind', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    wb.send({ type: 'react', seq: 1, emoji: '😮', on: true })
    await both(wa, wb, isUpdate(1))
    wb.send({ type: 'react', seq: 1, emoji: '😮', on: false })
    const off = await both(wa, wb, isUpdate(1))
    expect(off.message.rev).toBe(3)
    expect(off.message.reactions).toBeUndefined()
    expect((await messageIn(a.cookie, b.id, 1))?.reactions).toBeUndefined()
    wb.send({ type: 'react', seq: 1, emoji: '😮', on: true })
    expect((await both(wa, wb, isUpdate(1))).message).toMatchObject({ rev: 4, reactions: { '😮': [b.id] } })
    closeAll(wa, wb)
  })

  it('changes nothing when Bob repeats a reaction he has, or removes one he does not have', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    wb.send({ type: 'react', seq: 1, emoji: '👍', on: true })
    const on = await both(wa, wb, isUpdate(1))
    wb.send({ type: 'react', seq: 1, emoji: '👍', on: true })
    wb.send({ type: 'react', seq: 1, emoji: '🙏', on: false })
    // Ann's own reaction being off, turning it off changes nothing either.
    wa.send({ type: 'react', seq: 1, emoji: '👍', on: false })
    const marker = await say(wb, 'marker')
    await wa.next((f) => f.type === 'message' && f.message.seq === 2)
    expect(marker.rev).toBe(on.message.rev + 1)
    expect(await wa.silentFor(isUpdate(1), QUIET_MS)).toBe(true)
    expect([...wa.frames, ...wb.frames].filter((f) => f.type === 'error')).toEqual([])
    expect(await messageIn(a.cookie, b.id, 1)).toMatchObject({ rev: on.message.rev, reactions: { '👍': [b.id] } })
    closeAll(wa, wb)
  })
})

describe('at most 20 different emoji on a message', () => {
  it('refuses a 21st emoji with not-allowed and its seq, yet takes the other member on an emoji already there', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    for (const emoji of TWENTY) {
      wa.send({ type: 'react', seq: 1, emoji, on: true })
      await both(wa, wb, isUpdate(1))
    }
    wa.send({ type: 'react', seq: 1, emoji: '🦄', on: true })
    expect(await wa.next(isError(1))).toMatchObject({ type: 'error', code: 'not-allowed', seq: 1 })
    expect(await wb.silentFor(isUpdate(1), QUIET_MS)).toBe(true)
    wb.send({ type: 'react', seq: 1, emoji: TWENTY[0], on: true })
    const joined = await both(wa, wb, isUpdate(1))
    expect(Object.keys(joined.message.reactions)).toEqual(TWENTY)
    expect(joined.message.reactions[TWENTY[0]!]).toEqual([a.id, b.id])
    // The other member is held to the same limit.
    wb.send({ type: 'react', seq: 1, emoji: '🦄', on: true })
    expect(await wb.next(isError(1))).toMatchObject({ code: 'not-allowed', seq: 1 })
    closeAll(wa, wb)
  })

  it('makes room for a new emoji once one of the twenty is gone', async () => {
    const { a, wa, wb } = await pairWith(1)
    for (const emoji of TWENTY) {
      wa.send({ type: 'react', seq: 1, emoji, on: true })
      await both(wa, wb, isUpdate(1))
    }
    wa.send({ type: 'react', seq: 1, emoji: TWENTY[5], on: false })
    await both(wa, wb, isUpdate(1))
    wa.send({ type: 'react', seq: 1, emoji: '🦄', on: true })
    const u = await both(wa, wb, isUpdate(1))
    expect(Object.keys(u.message.reactions)).toHaveLength(MAX_REACTIONS_PER_MESSAGE)
    expect(u.message.reactions['🦄']).toEqual([a.id])
    closeAll(wa, wb)
  })
})

describe('which emoji', () => {
  it.each([
    ['an empty emoji', ''],
    ['17 characters', '😀'.repeat(17)],
    ['a space inside', '👍 👍'],
    ['only a space', ' '],
    ['a newline', '👍\n'],
    ['a number instead of text', 7],
  ])('refuses %s with bad-frame carrying the seq, and the socket stays usable', async (_, emoji) => {
    const { wa, wb } = await pairWith(1)
    wb.send({ type: 'react', seq: 1, emoji, on: true })
    expect(await wb.next(isError(1))).toMatchObject({ type: 'error', code: 'bad-frame', seq: 1 })
    expect(await wa.silentFor(isAnyChange, QUIET_MS)).toBe(true)
    expect((await say(wb, 'still here')).seq).toBe(2)
    closeAll(wa, wb)
  })

  it('refuses a reaction whose "on" is not true or false with bad-frame carrying the seq', async () => {
    const { wa, wb } = await pairWith(1)
    wb.send({ type: 'react', seq: 1, emoji: '👍', on: 'yes' })
    expect(await wb.next(isError(1))).toMatchObject({ code: 'bad-frame', seq: 1 })
    closeAll(wa, wb)
  })

  it.each([
    ['16 characters', '😀'.repeat(16)],
    ['a family of joined code points', '👨‍👩‍👧'],
    ['a letter', 'A'],
    ...QUICK_REACTIONS.map((e) => [`the quick reaction ${e}`, e]),
  ])('accepts %s', async (_, emoji) => {
    const { b, wa, wb } = await pairWith(1)
    wb.send({ type: 'react', seq: 1, emoji, on: true })
    expect((await both(wa, wb, isUpdate(1))).message.reactions).toEqual({ [emoji]: [b.id] })
    closeAll(wa, wb)
  })
})

describe('messages that cannot take reactions', () => {
  it('refuses a reaction to a deleted message with not-allowed and its seq', async () => {
    const { wa, wb } = await pairWith(1)
    wa.send({ type: 'delete', seq: 1 })
    await both(wa, wb, isUpdate(1))
    wb.send({ type: 'react', seq: 1, emoji: '👍', on: true })
    expect(await wb.next(isError(1))).toMatchObject({ code: 'not-allowed', seq: 1 })
    expect(await wa.silentFor(isUpdate(1), QUIET_MS)).toBe(true)
    closeAll(wa, wb)
  })

  it('answers a reaction to a seq that does not exist with not-found and that seq', async () => {
    const { wa, wb } = await pairWith(1)
    wb.send({ type: 'react', seq: 3, emoji: '👍', on: true })
    expect(await wb.next(isError(3))).toMatchObject({ code: 'not-found', seq: 3 })
    closeAll(wa, wb)
  })

  it('drops every reaction when the message is deleted', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    wb.send({ type: 'react', seq: 1, emoji: '👍', on: true })
    await both(wa, wb, isUpdate(1))
    wa.send({ type: 'delete', seq: 1 })
    expect((await both(wa, wb, isUpdate(1))).message.reactions).toBeUndefined()
    expect((await messageIn(b.cookie, a.id, 1))?.reactions).toBeUndefined()
    closeAll(wa, wb)
  })
})
