// The admin Usage panel's counters: what the objects and the Worker count reaches D1 in
// batches (never a write per message), and GET /api/admin/usage adds it up at list prices.
import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { AdminUsage } from '../../protocol/admin-usage.ts'
import { billedObjectRequests } from '../../protocol/usage-estimate.ts'
import { meterUsd, PRICES_AS_OF, storageUsd, WORKERS_PAID } from '../../protocol/workers-paid-prices.ts'
import { inboxOf } from '../../worker/inbox/inbox-key.ts'
import { roomFor } from '../../worker/rooms/room-key.ts'
import { meterOf, OBJECT_FLUSH_MS, type ObjectMeter } from '../../worker/usage/object-meter.ts'
import { isMessage, pairWith } from './helpers/chat.ts'
import { call, type SignedUp, signUp } from './helpers/http.ts'
import { useVars } from './helpers/limits.ts'
import { eventually } from './helpers/wait.ts'

interface Row {
  source: string
  requests: number
  websocket_messages: number
  rows_read: number
  rows_written: number
  alarms_set: number
  flushes: number
}

const month = () => new Date().toISOString().slice(0, 7)

async function usageRow(source: string): Promise<Row | null> {
  return env.DB.prepare('select * from usage_months where month = ? and source = ?').bind(month(), source).first<Row>()
}

async function staff(): Promise<SignedUp> {
  const user = await signUp({ firstName: 'Sam', lastName: 'Staff' })
  await env.DB.prepare('update users set is_staff = 1 where id = ?').bind(user.id).run()
  return user
}

/** Runs `fn` on the object's meter, inside the object. */
function withMeter<T>(
  stub: DurableObjectStub<undefined>,
  fn: (m: ObjectMeter, state: DurableObjectState) => T | Promise<T>,
) {
  return runInDurableObject(stub, (instance: object, state: DurableObjectState) => fn(meterOf(instance)!, state))
}

describe('usage counters', () => {
  const { setVars } = useVars()

  it('count a room’s socket messages, rows and alarms in memory and reach D1 in a few batches, not one per message', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    const room = roomFor(env, a.id, b.id).stub
    // What earlier flushes (and the first message) already sent stays out of the comparison.
    await withMeter(room, (m) => m.flush())
    const flushesBefore = await withMeter(room, (m) => m.flushes)
    const before = (await usageRow('chat-room'))!
    const started = Date.now()
    for (let i = 2; i <= 51; i++) wa.send({ type: 'send', clientId: `m${i}`, body: `message ${i}` })
    await wb.next(isMessage(51))
    await wa.next(isMessage(51))
    const elapsed = Date.now() - started
    const pending = await withMeter(room, (m) => ({ ...m.pending, flushes: m.flushes }))
    // One timer per OBJECT_FLUSH_MS at most while the room works: a handful, never 50.
    expect(pending.flushes - flushesBefore).toBeLessThanOrEqual(Math.ceil(elapsed / OBJECT_FLUSH_MS) + 1)
    expect(pending.flushes - flushesBefore).toBeLessThan(10)
    await withMeter(room, (m) => m.flush())
    const after = (await usageRow('chat-room'))!
    // Both rooms' counts land in one row per month; this room's 50 frames are in it.
    expect(after.websocket_messages - before.websocket_messages).toBeGreaterThanOrEqual(50)
    expect(after.rows_written - before.rows_written).toBeGreaterThanOrEqual(50)
    expect(after.rows_read).toBeGreaterThan(before.rows_read)
    expect(after.flushes - before.flushes).toBeLessThan(10)
    // Each message commits with the alarm armed; setAlarm is skipped while one is pending.
    expect(after.alarms_set).toBeGreaterThanOrEqual(1)
    const size = await withMeter(room, (_m, state) => state.storage.sql.databaseSize)
    const stored = await env.DB.prepare('select bytes from usage_storage where object_id = ?')
      .bind(room.id.toString())
      .first<{ bytes: number }>()
    expect(size).toBeGreaterThan(0)
    expect(stored?.bytes).toBe(size)
    wa.close()
    wb.close()
  })

  it('count each RPC call an object receives as one request', async () => {
    const user = await signUp()
    const inbox = inboxOf(env, user.id)
    await withMeter(inbox, (m) => m.flush())
    const before = await withMeter(inbox, (m) => m.pending.requests)
    for (let i = 0; i < 5; i++) await inbox.listConversations()
    expect(await withMeter(inbox, (m) => m.pending.requests)).toBe(before + 5)
    // A flush with nothing new sends nothing.
    await withMeter(inbox, (m) => m.flush())
    const flushes = await withMeter(inbox, (m) => m.flushes)
    await withMeter(inbox, (m) => m.flush())
    expect(await withMeter(inbox, (m) => m.flushes)).toBe(flushes)
  })

  it('report an object’s storage to D1 only when its size moved', async () => {
    const user = await signUp()
    const inbox = inboxOf(env, user.id)
    const row = () =>
      env.DB.prepare('select bytes, updated_at as at from usage_storage where object_id = ?')
        .bind(inbox.id.toString())
        .first<{ bytes: number; at: string }>()
    await inbox.listConversations()
    await withMeter(inbox, (m) => m.flush())
    const first = await row()
    expect(first?.bytes).toBe(await withMeter(inbox, (_m, state) => state.storage.sql.databaseSize))
    // Counts to send, the size unchanged: the counts go, the storage row is left alone.
    await inbox.listConversations()
    const flushes = await withMeter(inbox, (m) => m.flushes)
    await withMeter(inbox, (m) => m.flush())
    expect(await withMeter(inbox, (m) => m.flushes)).toBe(flushes + 1)
    expect((await row())?.at).toBe(first!.at)
  })

  it('count the Worker’s requests and D1 rows, flushed after a request once the interval passed', async () => {
    setVars({ USAGE_FLUSH_MS: '1' })
    const user = await signUp()
    const before = await usageRow('worker')
    for (let i = 0; i < 3; i++) expect((await call('/api/me', { cookie: user.cookie })).status).toBe(200)
    const after = await eventually(
      () => usageRow('worker'),
      (r) => (r?.requests ?? 0) >= (before?.requests ?? 0) + 3,
    )
    expect(after!.requests).toBeGreaterThanOrEqual((before?.requests ?? 0) + 3)
    const d1 = await usageRow('d1')
    // Every signed-in request reads its session from D1.
    expect(d1!.rows_read).toBeGreaterThanOrEqual(3)
  })
})

describe('GET /api/admin/usage', () => {
  it('answers 401 anonymous and 403 for a user who is not staff', async () => {
    expect((await call('/api/admin/usage')).status).toBe(401)
    const user = await signUp()
    expect((await call('/api/admin/usage', { cookie: user.cookie })).status).toBe(403)
  })

  it('adds up this month’s counters in D1 and prices them at Workers Paid list prices', async () => {
    const { a, b, wa, wb } = await pairWith(3)
    await withMeter(roomFor(env, a.id, b.id).stub, (m) => m.flush())
    const admin = await staff()
    // The objects' timers may flush between the two reads: read until both agree.
    let usage!: AdminUsage
    let rows: Row[] = []
    await eventually(
      async () => {
        const res = await call('/api/admin/usage', { cookie: admin.cookie })
        expect(res.status).toBe(200)
        usage = (await res.json()) as AdminUsage
        rows = (await env.DB.prepare('select * from usage_months where month = ?').bind(month()).all<Row>()).results
        return null
      },
      () => rows.every((r) => usage.sources[r.source as 'worker'].rowsWritten === r.rows_written),
      10_000,
    )
    expect(usage.month).toBe(month())
    expect(usage.pricesAsOf).toBe(PRICES_AS_OF)
    expect(usage.baseUsd).toBe(5)
    const room = rows.find((r) => r.source === 'chat-room')!
    expect(usage.sources['chat-room']).toEqual({
      requests: room.requests,
      webSocketMessages: room.websocket_messages,
      rowsRead: room.rows_read,
      rowsWritten: room.rows_written,
      alarmsSet: room.alarms_set,
      flushes: room.flushes,
    })
    const meter = (id: string) => usage.meters.find((m) => m.id === id)!
    const objects = {
      requests: usage.sources['chat-room'].requests + usage.sources['user-inbox'].requests,
      webSocketMessages: usage.sources['chat-room'].webSocketMessages + usage.sources['user-inbox'].webSocketMessages,
    }
    expect(meter('durableObjects.requests').amount).toBe(
      billedObjectRequests({ ...usage.sources['chat-room'], ...objects }),
    )
    expect(meter('durableObjects.rowsWritten').amount).toBe(
      usage.sources['chat-room'].rowsWritten +
        usage.sources['chat-room'].alarmsSet +
        usage.sources['user-inbox'].rowsWritten +
        usage.sources['user-inbox'].alarmsSet,
    )
    expect(meter('d1.rowsRead').amount).toBe(usage.sources.d1.rowsRead)
    expect(meter('workers.requests').amount).toBe(usage.sources.worker.requests)
    const storage = await env.DB.prepare(
      "select sum(bytes) as bytes from usage_storage where source in ('chat-room', 'user-inbox')",
    ).first<{ bytes: number }>()
    expect(meter('durableObjects.storage').amount).toBe(storage!.bytes)
    expect(meter('durableObjects.storage').usd).toBe(storageUsd(WORKERS_PAID.durableObjects.storage, storage!.bytes))
    expect(meter('durableObjects.requests').usd).toBe(
      meterUsd(WORKERS_PAID.durableObjects.requests, meter('durableObjects.requests').amount),
    )
    expect(usage.totalUsd).toBeCloseTo(5 + usage.meters.reduce((t, m) => t + m.usd, 0), 12)
    expect(usage.priceSources.durableObjects).toMatch(/^https:\/\/developers\.cloudflare\.com\//)
    wa.close()
    wb.close()
  })
})
