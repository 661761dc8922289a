// A person comes back to a conversation (CONTRACT.md: `ready`, then the replay for `after`
// and `since`): first the changes to messages they already had, as `update` frames in seq
// order, only those with rev > since; then the messages after `after`; nothing else.
import { describe, expect, it } from 'vitest'
import { closeAll, historyOf, isAnyChange, isMessage, isUpdate, pairWith, roundTrip, say } from './helpers/chat.ts'
import type { SignedUp } from './helpers/http.ts'
import { type Frame, openChat, type TestSocket, upgrade } from './helpers/socket.ts'

const QUIET_MS = 300

/** The replay is sent before any live frame: the frames right after `ready` that are messages or updates. */
function replayed(ws: TestSocket): [string, number, number][] {
  return ws.frames.filter(isAnyChange).map((f) => [f.type, f.message.seq, f.message.rev])
}

/** Messages as frames carry them; `deliveredAt` may be stamped by the very reconnect that replays them. */
const withoutDelivery = ({ deliveredAt: _, ...m }: Frame) => m

/**
 * Ann sends 5 messages that Bob sees (revs 1-5), then Bob goes away, and while he is away:
 * rev 6 Ann edits 4; rev 7 Ann reacts to 2; rev 8 Ann deletes 3; rev 9 Ann edits 4 again;
 * rev 10 Ann sends 6; rev 11 Ann sends 7; rev 12 Ann edits 6.
 */
async function bobWasAway(): Promise<{ a: SignedUp; b: SignedUp; wa: TestSocket }> {
  const { a, b, wa, wb } = await pairWith(5)
  wb.close()
  await wb.closed
  const change = async (frame: Frame, rev: number) => {
    wa.send(frame)
    const f = await wa.next((x) => isAnyChange(x) && x.message.rev === rev)
    expect(f.message.rev).toBe(rev)
  }
  await change({ type: 'edit', seq: 4, body: 'four, edited' }, 6)
  await change({ type: 'react', seq: 2, emoji: '👀', on: true }, 7)
  await change({ type: 'delete', seq: 3 }, 8)
  await change({ type: 'edit', seq: 4, body: 'four, edited twice' }, 9)
  await change({ type: 'send', clientId: 'm6', body: 'message 6' }, 10)
  await change({ type: 'send', clientId: 'm7', body: 'message 7' }, 11)
  await change({ type: 'edit', seq: 6, body: 'six, edited' }, 12)
  return { a, b, wa }
}

describe('coming back with after and since', () => {
  it('replays the missed changes as updates in seq order, then the new messages, each as it is now', async () => {
    const { a, b, wa } = await bobWasAway()
    const back = await openChat(b.cookie, a.id, 5, 5)
    expect(back.ready).toMatchObject({ lastSeq: 7, lastRev: 12 })
    await back.next(isMessage(7))
    expect(await back.silentFor(isAnyChange, QUIET_MS)).toBe(true)
    expect(replayed(back)).toEqual([
      ['update', 2, 7],
      ['update', 3, 8],
      ['update', 4, 9],
      ['message', 6, 12],
      ['message', 7, 11],
    ])
    const history = new Map((await historyOf(b.cookie, a.id)).map((m) => [m.seq, withoutDelivery(m)]))
    for (const f of back.frames.filter(isAnyChange))
      expect(withoutDelivery(f.message)).toEqual(history.get(f.message.seq))
    expect(back.frames.find(isUpdate(3))?.message).toMatchObject({ body: '', deletedAt: expect.any(String) })
    expect(back.frames.find(isUpdate(4))?.message.body).toBe('four, edited twice')
    expect(back.frames.find(isMessage(6))?.message).toMatchObject({ body: 'six, edited', editedAt: expect.any(String) })
    // The replay comes right after ready: nothing else in between.
    expect(back.frames.slice(0, 6).map((f) => f.type)).toEqual([
      'ready',
      'update',
      'update',
      'update',
      'message',
      'message',
    ])
    closeAll(wa, back)
  })

  it('leaves out the changes Bob had already seen (rev ≤ since)', async () => {
    const { a, b, wa } = await bobWasAway()
    const back = await openChat(b.cookie, a.id, 5, 7)
    await back.next(isMessage(7))
    expect(await back.silentFor(isAnyChange, QUIET_MS)).toBe(true)
    expect(replayed(back)).toEqual([
      ['update', 3, 8],
      ['update', 4, 9],
      ['message', 6, 12],
      ['message', 7, 11],
    ])
    closeAll(wa, back)
  })

  it('sends changes to messages after `after` only as those messages, never also as updates', async () => {
    const { a, b, wa } = await bobWasAway()
    const back = await openChat(b.cookie, a.id, 3, 3)
    await back.next(isMessage(7))
    expect(await back.silentFor(isAnyChange, QUIET_MS)).toBe(true)
    expect(replayed(back)).toEqual([
      ['update', 2, 7],
      ['update', 3, 8],
      ['message', 4, 9],
      ['message', 5, 5],
      ['message', 6, 12],
      ['message', 7, 11],
    ])
    closeAll(wa, back)
  })

  it('replays no updates without since: only the messages after `after`', async () => {
    const { a, b, wa } = await bobWasAway()
    const back = await openChat(b.cookie, a.id, 5)
    await back.next(isMessage(7))
    expect(await back.silentFor(isAnyChange, QUIET_MS)).toBe(true)
    expect(replayed(back)).toEqual([
      ['message', 6, 12],
      ['message', 7, 11],
    ])
    closeAll(wa, back)
  })

  it('replays nothing to a client that is up to date (after = lastSeq, since = lastRev)', async () => {
    const { a, b, wa } = await bobWasAway()
    const back = await openChat(b.cookie, a.id, 7, 12)
    expect(back.ready).toMatchObject({ type: 'ready', lastSeq: 7, lastRev: 12 })
    expect(await back.silentFor(isAnyChange, QUIET_MS)).toBe(true)
    expect(replayed(back)).toEqual([])
    closeAll(wa, back)
  })

  it('replays nothing with since but no after', async () => {
    const { a, b, wa } = await bobWasAway()
    const back = await openChat(b.cookie, a.id, undefined, 5)
    expect(await back.silentFor(isAnyChange, QUIET_MS)).toBe(true)
    closeAll(wa, back)
  })

  it('replays everything as it is now to a new device (after = 0, since = 0)', async () => {
    const { a, b, wa } = await bobWasAway()
    const fresh = await openChat(b.cookie, a.id, 0, 0)
    await fresh.next(isMessage(7))
    expect(replayed(fresh)).toEqual([
      ['message', 1, 1],
      ['message', 2, 7],
      ['message', 3, 8],
      ['message', 4, 9],
      ['message', 5, 5],
      ['message', 6, 12],
      ['message', 7, 11],
    ])
    closeAll(wa, fresh)
  })

  it('refuses a since that is not a whole number with 400', async () => {
    const { a, b, wa, wb } = await pairWith(0)
    for (const since of ['-1', 'x', '1.5']) {
      const res = await upgrade(`/api/conversations/${a.id}/ws?after=0&since=${since}`, b.cookie)
      expect(res.status).toBe(400)
      await res.body?.cancel()
    }
    closeAll(wa, wb)
  })
})

describe('live changes while coming back', () => {
  it('are neither lost nor repeated: a message and an edit sent as Bob reconnects reach him exactly once', async () => {
    const { a, b, wa } = await bobWasAway()
    const opening = openChat(b.cookie, a.id, 5, 5)
    wa.send({ type: 'send', clientId: 'm8', body: 'message 8' })
    wa.send({ type: 'edit', seq: 1, body: 'one, edited as you came back' })
    const back = await opening
    await back.next((f) => isAnyChange(f) && f.message.seq === 8)
    await back.next((f) => isAnyChange(f) && f.message.seq === 1)
    expect(await back.silentFor(isAnyChange, QUIET_MS)).toBe(true)
    const seen = back.frames.filter(isAnyChange).map((f) => `${f.type} ${f.message.seq}`)
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen.filter((s) => s.endsWith(' 8'))).toEqual(['message 8'])
    expect(seen.filter((s) => s.endsWith(' 1'))).toEqual(['update 1'])
    // Whatever was live or replayed, Bob ends with what history holds.
    const last = new Map<number, Frame>()
    for (const f of back.frames.filter(isAnyChange)) {
      const had = last.get(f.message.seq)
      if (!had || had.rev < f.message.rev) last.set(f.message.seq, f.message)
    }
    for (const m of await historyOf(b.cookie, a.id)) {
      if (m.seq <= 5 && ![1, 2, 3, 4].includes(m.seq)) continue
      expect(withoutDelivery(last.get(m.seq)!)).toEqual(withoutDelivery(m))
    }
    await say(wa, 'and we are live')
    await back.next(isMessage(9))
    closeAll(wa, back)
  })
})

describe('a connection that breaks in the middle of what the room sent', () => {
  // Changes sent in one go usually commit together. Bob's client applies frames in the order
  // they arrive and keeps the highest rev it has seen as its `since`; the connection may break
  // after any frame. Whatever came in before the break, coming back must bring the rest.
  it.each([
    [
      'a deletion, then a new message',
      [
        { type: 'delete', seq: 1 },
        { type: 'send', clientId: 'm3', body: 'message 3' },
      ],
    ],
    [
      'an edit of message 2, then a reaction to message 1',
      [
        { type: 'edit', seq: 2, body: 'two, edited' },
        { type: 'react', seq: 1, emoji: '👍', on: true },
      ],
    ],
  ])('Bob learns of every change after %s, wherever his connection broke', async (_, changes) => {
    const { a, b, wa, wb } = await pairWith(2)
    const before = wb.frames.length
    for (const frame of changes) wa.send(frame)
    // Both changes have reached Bob's socket, in whatever order the room sent them.
    const revs = () =>
      new Set(
        wb.frames
          .slice(before)
          .filter(isAnyChange)
          .map((f) => f.message.rev),
      )
    const arrived = () => revs().has(3) && revs().has(4)
    if (!arrived()) await wb.next(arrived)
    wb.close()
    const sent = wb.frames.slice(before).filter(isAnyChange)
    const history = new Map((await historyOf(a.cookie, b.id)).map((m) => [m.seq, withoutDelivery(m)]))
    for (let kept = 0; kept < sent.length; kept++) {
      // Bob's client had messages 1 and 2 (revs 1 and 2), then the first `kept` frames.
      const view = new Map<number, Frame>(
        wb.frames
          .slice(0, before)
          .filter(isAnyChange)
          .map((f) => [f.message.seq, f.message]),
      )
      for (const f of sent.slice(0, kept)) {
        const had = view.get(f.message.seq)
        if (!had || f.message.rev > had.rev) view.set(f.message.seq, f.message)
      }
      const after = Math.max(...view.keys())
      const since = Math.max(...[...view.values()].map((m) => m.rev as number))
      const back = await openChat(b.cookie, a.id, after, since)
      await roundTrip(back)
      for (const f of back.frames.filter(isAnyChange)) {
        const had = view.get(f.message.seq)
        if (!had || f.message.rev > had.rev) view.set(f.message.seq, f.message)
      }
      back.close()
      const seen = [...view.values()].map(withoutDelivery).sort((x, y) => x.seq - y.seq)
      expect(
        seen,
        `after ${kept} of ${JSON.stringify(sent.map((f) => [f.type, f.message.seq, f.message.rev]))}, since=${since}`,
      ).toEqual([...history.values()])
    }
    wa.close()
  })

  it('sends the frames of changes made in one go in rev order', async () => {
    const { wa, wb } = await pairWith(2)
    const before = wb.frames.length
    wa.send({ type: 'edit', seq: 2, body: 'two, edited' })
    wa.send({ type: 'react', seq: 1, emoji: '👍', on: true })
    wa.send({ type: 'delete', seq: 2 })
    wa.send({ type: 'send', clientId: 'm3', body: 'message 3' })
    await wb.next((f) => isAnyChange(f) && f.message.rev === 6)
    await roundTrip(wb)
    const revs = wb.frames
      .slice(before)
      .filter(isAnyChange)
      .map((f) => f.message.rev)
    expect(revs).toEqual([...revs].sort((x, y) => x - y))
    closeAll(wa, wb)
  })
})
