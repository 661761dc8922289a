// A room under faults: a token no key opens, a storage failure in the middle of a group
// commit (with and without a savepoint), and many reconnects replaying the same history at once (issue 10 §4, §6).
import { env, evictDurableObject, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { ChatRoom } from '../../worker/rooms/chat-room.ts'
import { MAX_ROWS_PER_INSERT } from '../../worker/rooms/message-log.ts'
import { roomFor } from '../../worker/rooms/room-key.ts'
import { call, signUp } from './helpers/http.ts'
import { type Frame, openChat } from './helpers/socket.ts'

const isMessage = (seq: number) => (f: Frame) => f.type === 'message' && f.message.seq === seq

async function roomWithMessages(count: number) {
  const [a, b] = await Promise.all([signUp(), signUp()])
  const wa = await openChat(a.cookie, b.id)
  for (let i = 1; i <= count; i++) wa.send({ type: 'send', clientId: `m${i}`, body: `message ${i}` })
  await wa.next(isMessage(count), 10_000)
  wa.close()
  return { a, b, stub: roomFor(env, a.id, b.id).stub }
}

// The room's private parts that these fault tests reach into.
interface RoomInternals {
  sql: SqlStorage
  log: { sql: SqlStorage; lastSeq: number; lastRev: number }
  snapshots: { unread: Map<string, number> }
  commit(batch: unknown[]): Promise<void>
}

describe('a token that no key opens', () => {
  it('shows that one message as unreadable in history and replay, and keeps the rest', async () => {
    const { a, b, stub } = await roomWithMessages(3)
    await runInDurableObject(stub, (room: ChatRoom) => {
      const sql = (room as unknown as RoomInternals).sql
      // A valid Fernet token under a key this deployment does not hold.
      sql.exec(
        'update messages set body = ? where seq = 2',
        'gAAAAABpZ2K6AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      )
    })
    await evictDurableObject(stub)
    const res = await call(`/api/conversations/${a.id}/messages`, { cookie: b.cookie })
    expect(res.status).toBe(200)
    const { messages } = (await res.json()) as { messages: Frame[] }
    expect(messages.map((m) => [m.seq, m.body, m.unreadable ?? false])).toEqual([
      [1, 'message 1', false],
      [2, '', true],
      [3, 'message 3', false],
    ])
    const replay = await openChat(b.cookie, a.id, 0)
    await replay.next(isMessage(3))
    const replayed = replay.frames.filter((f) => f.type === 'message').map((f) => f.message.unreadable ?? false)
    expect(replayed).toEqual([false, true, false])
    replay.close()
  })
})

describe('a storage failure in the middle of a group commit', () => {
  // Plain sends go in as multi-row inserts of MAX_ROWS_PER_INSERT without a savepoint (they
  // are taken back by hand); a batch with anything else runs in a transaction. The insert
  // statement that fails is the second either way, after one that stored messages.
  const cases = [
    { kind: 'plain sends only', frames: (seq: number) => sendFrames(MAX_ROWS_PER_INSERT + 3, seq) },
    {
      kind: 'a reply among the sends',
      frames: (seq: number) => [{ ...sendFrames(1, seq)[0]!, replyTo: 1 }, ...sendFrames(3, seq + 1)],
    },
  ]
  for (const { kind, frames } of cases) {
    it(`stores none of the batch and leaves memory matching storage (${kind})`, async () => {
      const { a, b, stub } = await roomWithMessages(1)
      const outcome = await runInDurableObject(stub, async (room: ChatRoom) => {
        const internals = room as unknown as RoomInternals
        const real = internals.log.sql
        let inserts = 0
        internals.log.sql = {
          ...real,
          exec: (query: string, ...bindings: unknown[]) => {
            if (query.trimStart().startsWith('insert into messages') && ++inserts === 2) throw new Error('disk full')
            return real.exec(query, ...bindings)
          },
        } as SqlStorage
        const batch = frames(2).map((frame) => ({ ws: null, userId: a.id, sessionId: 'test-session', frame }))
        let error = ''
        try {
          await internals.commit(batch)
        } catch (err) {
          error = String(err)
        }
        internals.log.sql = real
        const stored = real.exec<{ n: number }>('select count(*) as n from messages').one().n
        const { lastSeq, lastRev } = internals.log
        return { error, inserts, stored, lastSeq, lastRev, unread: internals.snapshots.unread.get(b.id) }
      })
      expect(outcome).toEqual({ error: 'Error: disk full', inserts: 2, stored: 1, lastSeq: 1, lastRev: 1, unread: 1 })
      // The next message takes the next seq: no gap, no doubled seq.
      const wa = await openChat(a.cookie, b.id)
      wa.send({ type: 'send', clientId: 'after-fault', body: 'still here' })
      expect((await wa.next(isMessage(2))).message.body).toBe('still here')
      wa.close()
    })
  }
})

function sendFrames(count: number, from: number) {
  return Array.from({ length: count }, (_, i) => ({
    type: 'send' as const,
    clientId: `c${from + i}`,
    body: `message ${from + i}`,
  }))
}

describe('many reconnects at once', () => {
  it('replays the same history in full and in order to 20 parallel reconnects', async () => {
    // Within one socket's burst of frames; the room is evicted so every body must be decrypted again.
    const { a, b, stub } = await roomWithMessages(55)
    await evictDurableObject(stub)
    // Both members, as many sockets as one session may hold here (10 each).
    const sockets = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? openChat(b.cookie, a.id, 5) : openChat(a.cookie, b.id, 5))),
    )
    for (const s of sockets) {
      await s.next(isMessage(55))
      const seqs = s.frames.filter((f) => f.type === 'message').map((f) => f.message.seq)
      expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => 6 + i))
      s.close()
    }
  })
})
