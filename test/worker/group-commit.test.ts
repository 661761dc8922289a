// The group commit's sends (ADR 004): plain sends of a batch go into the log as multi-row
// inserts, chunked under the edge's 100 bound parameters, with seqs and revs gap-free and
// retries stored once, exactly as one insert per message would.
import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { MAX_BOUND_PARAMETERS } from '../../worker/db/param-limit.ts'
import { INSERT_VALUES, MAX_ROWS_PER_INSERT, type MessageLog, type NewMessage } from '../../worker/rooms/message-log.ts'
import { roomFor } from '../../worker/rooms/room-key.ts'
import { signUp } from './helpers/http.ts'
import { type Frame, openChat } from './helpers/socket.ts'

const message = (senderId: string, clientId: string): NewMessage => ({
  clientId,
  senderId,
  token: `token of ${clientId}`,
  sentAt: new Date().toISOString(),
  notify: false,
  replyTo: null,
})

describe('multi-row inserts of a group commit', () => {
  it('fit a statement: the rows of one insert bind at most 100 values', () => {
    expect(MAX_ROWS_PER_INSERT).toBeGreaterThan(1)
    expect(MAX_ROWS_PER_INSERT * INSERT_VALUES).toBeLessThanOrEqual(MAX_BOUND_PARAMETERS)
    expect((MAX_ROWS_PER_INSERT + 1) * INSERT_VALUES).toBeGreaterThan(MAX_BOUND_PARAMETERS)
  })

  it('store 40 sends through the guarded handle in order, gap-free, each retry once', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const { stub } = roomFor(env, a.id, b.id)
    // Open the room once so it knows its members.
    const ws = await openChat(a.cookie, b.id)
    ws.close()
    const result = await runInDurableObject(stub, (instance: object) => {
      const log = (instance as unknown as { log: MessageLog }).log
      const first = log.insertMany([message(a.id, 'stored-before')])
      const batch = Array.from({ length: 40 }, (_, i) => message(i % 2 ? a.id : b.id, `m-${i}`))
      // A retry of a stored message in the second chunk, and one of a message of this batch in the third.
      batch.splice(15, 0, message(a.id, 'stored-before'))
      batch.splice(30, 0, message(b.id, 'm-20'))
      const rows = log.insertMany(batch)
      return {
        first: first.map((r) => r?.seq ?? null),
        rows: rows.map((r) => (r ? { seq: r.seq, rev: r.rev, clientId: r.client_id } : null)),
        lastSeq: log.lastSeq,
        lastRev: log.lastRev,
        stored: log.page(null, 100).rows.map((r) => [r.seq, r.rev, r.client_id]),
      }
    })
    expect(result.first).toEqual([1])
    expect(result.rows).toHaveLength(42)
    expect(result.rows[15]).toBeNull()
    expect(result.rows[30]).toBeNull()
    const kept = result.rows.filter((r) => r !== null)
    expect(kept.map((r) => r.clientId)).toEqual(Array.from({ length: 40 }, (_, i) => `m-${i}`))
    expect(kept.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 2))
    expect(kept.map((r) => r.rev)).toEqual(Array.from({ length: 40 }, (_, i) => i + 2))
    expect(result.lastSeq).toBe(41)
    expect(result.lastRev).toBe(41)
    expect(result.stored).toEqual([[1, 1, 'stored-before'], ...kept.map((r) => [r.seq, r.rev, r.clientId])])
  })

  it('answer a burst of sends over the socket with gap-free seqs in send order, a repeated clientId echoed once', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const wa = await openChat(a.cookie, b.id)
    const wb = await openChat(b.cookie, a.id)
    const ids = Array.from({ length: 50 }, (_, i) => `burst-${i}-${crypto.randomUUID().slice(0, 8)}`)
    // Sent without waiting, so they share group commits of many sends; the repeat is the same send again.
    for (const [i, clientId] of ids.entries()) {
      wa.send({ type: 'send', clientId, body: `body ${i}` })
      if (i === 20) wa.send({ type: 'send', clientId, body: 'repeated' })
    }
    const isMessage = (f: Frame) => f.type === 'message'
    const got: Frame[] = []
    for (let i = 0; i < ids.length; i++) got.push(await wb.next(isMessage))
    expect(got.map((f) => f.message.seq)).toEqual(ids.map((_, i) => i + 1))
    expect(got.map((f) => f.message.clientId)).toEqual(ids)
    expect(got.map((f) => f.message.body)).toEqual(ids.map((_, i) => `body ${i}`))
    // The sender has each message once, and the repeat's echo: the original.
    const echoes: Frame[] = []
    for (let i = 0; i < ids.length + 1; i++) echoes.push(await wa.next(isMessage))
    const repeated = echoes.filter((f) => f.message.clientId === ids[20])
    // (The echo of the repeat is the message as stored by then: delivered, say.)
    const { seq, clientId, body } = got[20]!.message
    expect(repeated.map((f) => f.message)).toEqual([
      expect.objectContaining({ seq, clientId, body }),
      expect.objectContaining({ seq, clientId, body }),
    ])
    expect(await wb.silentFor(isMessage, 200)).toBe(true)
    wa.close()
    wb.close()
  })
})
