// The usage counters in D1: summed per month and source, and each object's latest storage
// size (so storage is a sum of sizes, never of deltas). Written in batches by worker/usage/.
import { eq, sql, sum } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import type { UsageCounts, UsageSource } from '../../protocol/admin-usage.ts'
import type { Db } from '../env.ts'
import { usageMonths, usageStorage } from './schema.ts'

export interface StorageReport {
  /** The object's id (hex), or `d1` for D1 itself. */
  objectId: string
  source: UsageSource
  bytes: number
  /** Attachment bytes in R2 that this object accounts for (a user's quota). */
  r2Bytes?: number
}

/** Adds `counts` to the month's row of `source`. */
export function addUsage(db: Db, month: string, source: UsageSource, c: UsageCounts): BatchItem<'sqlite'> {
  return db
    .insert(usageMonths)
    .values({ month, source, ...c })
    .onConflictDoUpdate({
      target: [usageMonths.month, usageMonths.source],
      set: {
        requests: sql`${usageMonths.requests} + ${c.requests}`,
        webSocketMessages: sql`${usageMonths.webSocketMessages} + ${c.webSocketMessages}`,
        rowsRead: sql`${usageMonths.rowsRead} + ${c.rowsRead}`,
        rowsWritten: sql`${usageMonths.rowsWritten} + ${c.rowsWritten}`,
        alarmsSet: sql`${usageMonths.alarmsSet} + ${c.alarmsSet}`,
        flushes: sql`${usageMonths.flushes} + ${c.flushes}`,
      },
    })
}

export function reportStorage(db: Db, r: StorageReport, at: string): BatchItem<'sqlite'> {
  const values = { objectId: r.objectId, source: r.source, bytes: r.bytes, r2Bytes: r.r2Bytes ?? 0, updatedAt: at }
  return db
    .insert(usageStorage)
    .values(values)
    .onConflictDoUpdate({
      target: usageStorage.objectId,
      set: { bytes: values.bytes, r2Bytes: values.r2Bytes, updatedAt: at },
    })
}

export async function runBatch(db: Db, statements: BatchItem<'sqlite'>[]): Promise<void> {
  if (statements.length === 0) return
  await db.batch(statements as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]])
}

export async function monthUsage(db: Db, month: string) {
  return db.select().from(usageMonths).where(eq(usageMonths.month, month)).all()
}

/** Every object's latest SQLite size, D1's size, and the users' attachment bytes. */
export async function storedBytes(db: Db): Promise<{ durableObjects: number; d1: number; r2: number }> {
  const rows = await db
    .select({ source: usageStorage.source, bytes: sum(usageStorage.bytes), r2: sum(usageStorage.r2Bytes) })
    .from(usageStorage)
    .groupBy(usageStorage.source)
    .all()
  let durableObjects = 0
  let d1 = 0
  let r2 = 0
  for (const row of rows) {
    const bytes = Number(row.bytes ?? 0)
    if (row.source === 'd1') d1 += bytes
    else durableObjects += bytes
    r2 += Number(row.r2 ?? 0)
  }
  return { durableObjects, d1, r2 }
}
