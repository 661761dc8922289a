// A room under faults: a token no key opens, a storage failure in the middle of a group
// commit, and many reconnects replaying the same history at once (issue 10 §4, §6).
import { env, evictDurableObject, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { ChatRoom } from '../../worker/rooms/chat-room.ts'
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
  it('stores none of the batch and leaves memory matching storage', async () => {
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
      const batch = ['c2', 'c3', 'c4'].map((clientId, i) => ({
        ws: null,
        userId: a.id,
        sessionId: 'test-session',
        frame: { type: 'send', clientId, body: ['two', 'three', 'four'][i] },
      }))
      let error = ''
      try {
        await internals.commit(batch)
      } catch (err) {
        error = String(err)
      }
      internals.log.sql = real
      const stored = real.exec<{ n: number }>('select count(*) as n from messages').one().n
      const { lastSeq, lastRev } = internals.log
      return { error, stored, lastSeq, lastRev, unread: internals.snapshots.unread.get(b.id) }
    })
    expect(outcome).toEqual({ error: 'Error: disk full', stored: 1, lastSeq: 1, lastRev: 1, unread: 1 })
    // The next message takes the next seq: no gap, no doubled seq.
    const wa = await openChat(a.cookie, b.id)
    wa.send({ type: 'send', clientId: 'after-fault', body: 'still here' })
    expect((await wa.next(isMessage(2))).message.body).toBe('still here')
    wa.close()
  })
})

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
