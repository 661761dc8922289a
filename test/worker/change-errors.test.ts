// A change that is refused (CONTRACT.md: the `error` frame): an error about an `edit`,
// `delete` or `react` frame carries its `seq`, reaches only the socket that sent it, and the
// socket stays open and usable.
import { describe, expect, it } from 'vitest'
import { closeAll, isAnyChange, isAnyError, isError, isMessage, isUpdate, pairWith, say } from './helpers/chat.ts'
import { useVars } from './helpers/limits.ts'
import { type Frame, openChat } from './helpers/socket.ts'

const QUIET_MS = 300

type Who = 'Ann' | 'Bob'

/** Refused changes, after Ann sent messages 1 and 2 and deleted message 2. */
const REFUSED: [string, Who, string, number, Frame][] = [
  ['an edit of an unknown seq', 'Ann', 'not-found', 40, { type: 'edit', seq: 40, body: 'x' }],
  ["Bob's edit of Ann's message", 'Bob', 'not-allowed', 1, { type: 'edit', seq: 1, body: 'x' }],
  ['an edit of a deleted message', 'Ann', 'not-allowed', 2, { type: 'edit', seq: 2, body: 'x' }],
  ['an edit to an empty body', 'Ann', 'body-empty', 1, { type: 'edit', seq: 1, body: ' ' }],
  ['an edit to a body too long', 'Ann', 'body-too-long', 1, { type: 'edit', seq: 1, body: 'y'.repeat(4001) }],
  ['an edit with no body', 'Ann', 'bad-frame', 1, { type: 'edit', seq: 1 }],
  ["Bob's delete of Ann's message", 'Bob', 'not-allowed', 1, { type: 'delete', seq: 1 }],
  ['a delete of an unknown seq', 'Bob', 'not-found', 41, { type: 'delete', seq: 41 }],
  ['a reaction to an unknown seq', 'Bob', 'not-found', 42, { type: 'react', seq: 42, emoji: '👍', on: true }],
  ['a reaction to a deleted message', 'Bob', 'not-allowed', 2, { type: 'react', seq: 2, emoji: '👍', on: true }],
  ['a reaction with a bad emoji', 'Bob', 'bad-frame', 1, { type: 'react', seq: 1, emoji: 'a b', on: true }],
  ['a reaction with no "on"', 'Ann', 'bad-frame', 1, { type: 'react', seq: 1, emoji: '👍' }],
]

async function withOneDeleted() {
  const pair = await pairWith(2)
  pair.wa.send({ type: 'delete', seq: 2 })
  await Promise.all([pair.wa.next(isUpdate(2)), pair.wb.next(isUpdate(2))])
  return pair
}

describe('a refused change', () => {
  it.each(REFUSED)(
    '%s: %s gets %s carrying seq %i, only on that socket, and can send afterwards',
    async (_, who, code, seq, frame) => {
      const { wa, wb } = await withOneDeleted()
      const [mine, theirs] = who === 'Ann' ? [wa, wb] : [wb, wa]
      mine.send(frame)
      const error = await mine.next(isAnyError)
      expect(error).toMatchObject({ type: 'error', code, seq })
      expect(typeof error.message).toBe('string')
      expect(error.message.length).toBeGreaterThan(0)
      expect(await theirs.silentFor((f) => isAnyError(f) || isAnyChange(f), QUIET_MS)).toBe(true)
      // Still open and usable: a send is stored and reaches both.
      const sent = await say(mine, 'after the error')
      expect(sent.seq).toBe(3)
      expect((await theirs.next(isMessage(3))).message.body).toBe('after the error')
      expect(mine.closeCode).toBeNull()
      closeAll(wa, wb)
    },
  )

  it('answers each change of a run of bad ones with its own seq and code, then takes a send', async () => {
    const { wa, wb } = await withOneDeleted()
    const anns = REFUSED.filter(([, who]) => who === 'Ann')
    for (const [, , , , frame] of anns) wa.send(frame)
    const expected = anns.map(([, , code, seq]) => ({ code, seq }))
    const got: Frame[] = []
    for (let i = 0; i < expected.length; i++) got.push(await wa.next(isAnyError))
    // Frames the parser refuses are answered at once, the rest after their group commit: each
    // error is matched to its frame by its seq and code, whatever the order between the two kinds.
    expect(got.map((e) => ({ code: e.code, seq: e.seq })).sort(bySeqCode)).toEqual([...expected].sort(bySeqCode))
    expect((await say(wa, 'all good')).seq).toBe(3)
    closeAll(wa, wb)
  })

  it("does not reach the sender's other device", async () => {
    const { a, b, wa, wb } = await withOneDeleted()
    const otherDevice = await openChat(a.cookie, b.id)
    wa.send({ type: 'edit', seq: 40, body: 'x' })
    expect(await wa.next(isError(40))).toMatchObject({ code: 'not-found' })
    expect(await otherDevice.silentFor(isAnyError, QUIET_MS)).toBe(true)
    closeAll(wa, wb, otherDevice)
  })

  it('cannot carry a seq that is not one: a delete with seq "1" is a bad-frame and the socket stays usable', async () => {
    const { wa, wb } = await withOneDeleted()
    wa.send({ type: 'delete', seq: '1' })
    const error = await wa.next(isAnyError)
    expect(error).toMatchObject({ code: 'bad-frame' })
    expect((await say(wa, 'still fine')).seq).toBe(3)
    closeAll(wa, wb)
  })
})

describe('a change over the rate', () => {
  const { setVars } = useVars()

  it('is refused with rate-limited carrying its seq, and the socket stays open', async () => {
    // One send for pairWith, then two more changes; the third is over the limit.
    setVars({ CHAT_SEND_BURST: '3', CHAT_SENDS_PER_SECOND: '0.01' })
    const { wa, wb } = await pairWith(1)
    wa.send({ type: 'edit', seq: 1, body: 'one' })
    wa.send({ type: 'edit', seq: 1, body: 'two' })
    wa.send({ type: 'edit', seq: 1, body: 'three' })
    expect(await wa.next(isAnyError)).toMatchObject({ type: 'error', code: 'rate-limited', seq: 1 })
    wa.send({ type: 'ping' })
    await wa.nextOfType('pong')
    expect(wa.closeCode).toBeNull()
    closeAll(wa, wb)
  })
})

function bySeqCode(x: { code: string; seq: number }, y: { code: string; seq: number }): number {
  return x.seq - y.seq || x.code.localeCompare(y.code)
}
