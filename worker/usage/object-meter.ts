// What a Durable Object is billed for, counted in memory by the object itself and flushed to
// D1 in one batch (worker/db/usage.ts) OBJECT_FLUSH_MS after the first count since the last
// flush: never a write per message. Requests (fetch, each RPC call, alarms), incoming
// WebSocket messages (billed 1/20), SQLite rows read and written (metered-sql.ts), `setAlarm`
// calls (billed as a row written) and its database size. The counts live only in memory, so
// they must reach D1 before the object can hibernate; a pending timer keeps the object from
// hibernating, so the timer is short (a room's deliveries keep it awake about as long anyway)
// and `USAGE_METERING=off` turns the whole thing off (ADR 011).
import type { UsageSource } from '../../protocol/admin-usage.ts'
import { openDb } from '../db/client.ts'
import { addUsage, reportStorage, runBatch, type StorageReport } from '../db/usage.ts'
import type { Env } from '../env.ts'
import { takeIsolateUsage, usageMeteringOff } from './isolate-usage.ts'
import { meterSql } from './metered-sql.ts'
import { monthOf, PendingCounts } from './usage-counts.ts'

/** Counts reach D1 this long after the first one since the last flush (USAGE_FLUSH_MS overrides). */
export const OBJECT_FLUSH_MS = 1_000

const meters = new WeakMap<object, ObjectMeter>()

/** The meter `attachMeter` gave this object, if any. */
export function meterOf(object: object): ObjectMeter | undefined {
  return meters.get(object)
}

export interface MeterOptions {
  source: Exclude<UsageSource, 'worker' | 'd1'>
  /** Attachment bytes in R2 that this object accounts for, read at flush time. */
  r2Bytes?: () => number
}

export class ObjectMeter {
  readonly pending = new PendingCounts()
  /** D1 batches this meter has sent (for tests and the bench). */
  flushes = 0
  private timer: ReturnType<typeof setTimeout> | null = null
  private flushing: Promise<void> | null = null
  private readonly flushMs: number
  private readonly off: boolean
  /** The storage last reported to D1 (bytes, R2 bytes): unknown after a wake, so reported once. */
  private reported: string | null = null

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly options: MeterOptions,
    private readonly sql: SqlStorage,
  ) {
    const ms = Number(env.USAGE_FLUSH_MS)
    this.flushMs = Number.isFinite(ms) && ms > 0 ? ms : OBJECT_FLUSH_MS
    this.off = usageMeteringOff(env)
  }

  request(): void {
    this.pending.requests++
    this.soon()
  }

  webSocketMessage(): void {
    this.pending.webSocketMessages++
    this.soon()
  }

  alarmSet(): void {
    this.pending.alarmsSet++
    this.soon()
  }

  addRows(read: number, written: number): void {
    this.pending.rowsRead += read
    this.pending.rowsWritten += written
  }

  /** Counts, storage size and this isolate's Worker/D1 counts to D1 in one batch. */
  flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    this.flushing ??= this.send().finally(() => {
      this.flushing = null
    })
    return this.flushing
  }

  private soon(): void {
    if (this.timer !== null || this.off) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.ctx.waitUntil(this.flush())
    }, this.flushMs)
  }

  private async send(): Promise<void> {
    if (this.pending.empty) return
    const db = openDb(this.env.DB)
    const now = Date.now()
    // Read first: a row read of its own, counted in this flush rather than left pending.
    const storage: StorageReport = {
      objectId: this.ctx.id.toString(),
      source: this.options.source,
      bytes: this.sql.databaseSize,
      ...(this.options.r2Bytes ? { r2Bytes: this.options.r2Bytes() } : {}),
    }
    const counts = this.pending.take()
    const isolate = takeIsolateUsage(db, now)
    // The size moves a page at a time, far less often than the counts: a row written to
    // say it did not move is one of the biggest costs metering has (issue 15, cost pass).
    const sized = storageKey(storage)
    const statements = [addUsage(db, monthOf(now), this.options.source, counts), ...isolate.statements]
    if (sized !== this.reported) statements.push(reportStorage(db, storage, new Date(now).toISOString()))
    try {
      await runBatch(db, statements)
      this.reported = sized
      this.flushes++
    } catch (err) {
      this.pending.restore(counts)
      isolate.restore()
      console.error('usage: counters could not reach D1; the next flush carries them', err)
    }
  }
}

/**
 * The object's meter, and its SQLite metered by it. Also counts `setAlarm` and the
 * synchronous KV API (a get as a row read, a put or delete as a row written) on `ctx.storage`.
 */
export function attachMeter(
  object: object,
  ctx: DurableObjectState,
  env: Env,
  sql: SqlStorage,
  options: MeterOptions,
): { meter: ObjectMeter; sql: SqlStorage } {
  const meter = new ObjectMeter(ctx, env, options, sql)
  meters.set(object, meter)
  const storage = ctx.storage
  const setAlarm = storage.setAlarm.bind(storage)
  // Defined, not assigned: whoever handed us this storage may have made it read-only (the
  // bench's counting entry does), and a throw here would break every object's construction.
  Object.defineProperty(storage, 'setAlarm', {
    value: (at: number | Date, opts?: DurableObjectSetAlarmOptions) => {
      meter.alarmSet()
      return setAlarm(at, opts)
    },
    configurable: true,
    writable: true,
  })
  const kv = storage.kv
  if (kv) {
    const get = kv.get.bind(kv)
    const put = kv.put.bind(kv)
    const del = kv.delete.bind(kv)
    Object.assign(kv, {
      get: (key: string) => {
        meter.addRows(1, 0)
        return get(key)
      },
      put: (key: string, value: unknown) => {
        meter.addRows(0, 1)
        return put(key, value)
      },
      delete: (key: string) => {
        meter.addRows(0, 1)
        return del(key)
      },
    })
  }
  return { meter, sql: meterSql(sql, meter) }
}

function storageKey(r: StorageReport): string {
  return `${r.bytes}/${r.r2Bytes ?? ''}`
}
