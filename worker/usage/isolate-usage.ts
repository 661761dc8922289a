// What this isolate's Worker code counts: HTTP requests, and the rows D1 says each query
// read and wrote (its result `meta`). Kept in memory and flushed, with the objects' own
// flushes or after a Worker request at most every ISOLATE_FLUSH_MS: approximate, since an
// isolate evicted before its next flush loses what it counted since the last.

import type { BatchItem } from 'drizzle-orm/batch'
import { addUsage, reportStorage, runBatch } from '../db/usage.ts'
import type { Db } from '../env.ts'
import { monthOf, PendingCounts } from './usage-counts.ts'

export const ISOLATE_FLUSH_MS = 30_000

const worker = new PendingCounts()
const d1 = new PendingCounts()
/** D1's size after the latest query this isolate saw (`meta.size_after`), or null. */
let d1Bytes: number | null = null
let lastFlush = Date.now()
let flushing = false

export function countWorkerRequest(): void {
  worker.requests++
}

function noteMeta(meta: D1Meta | undefined, query: string, rows: number): void {
  if (meta && typeof meta.rows_read === 'number') {
    d1.rowsRead += meta.rows_read
    d1.rowsWritten += meta.rows_written ?? 0
    if (typeof meta.size_after === 'number') d1Bytes = meta.size_after
    return
  }
  // raw() and first() return no meta: the rows returned stand in (a lower bound).
  if (/^\s*(insert|update|delete|replace)\b/i.test(query)) d1.rowsWritten += rows
  else d1.rowsRead += rows
}

function meterStatement(stmt: D1PreparedStatement, query: string): D1PreparedStatement {
  const bind = stmt.bind.bind(stmt)
  const run = stmt.run.bind(stmt)
  const all = stmt.all.bind(stmt)
  const raw = stmt.raw.bind(stmt) as (o?: { columnNames?: boolean }) => Promise<unknown[][]>
  const first = stmt.first.bind(stmt) as (col?: string) => Promise<unknown>
  // Own properties shadow the prototype's, so the statement stays one `batch` accepts.
  return Object.assign(stmt, {
    bind: (...values: unknown[]) => meterStatement(bind(...values), query),
    run: async () => {
      const r = await run()
      noteMeta(r.meta, query, 0)
      return r
    },
    all: async () => {
      const r = await all()
      noteMeta(r.meta, query, r.results.length)
      return r
    },
    raw: async (options?: { columnNames?: boolean }) => {
      const r = await raw(options)
      noteMeta(undefined, query, Math.max(0, r.length - (options?.columnNames ? 1 : 0)))
      return r
    },
    first: async (col?: string) => {
      const r = await first(col)
      noteMeta(undefined, query, r === null ? 0 : 1)
      return r
    },
  }) as D1PreparedStatement
}

/** prepare() and batch() of a D1 database or session, their rows added to this isolate's counters. */
function metered(db: Pick<D1Database, 'prepare' | 'batch'>): Pick<D1Database, 'prepare' | 'batch'> {
  return {
    prepare: (query) => meterStatement(db.prepare(query), query),
    batch: async <T>(statements: D1PreparedStatement[]) => {
      const results = await db.batch<T>(statements)
      for (const r of results) noteMeta(r.meta, '', 0)
      return results
    },
  }
}

/** D1 whose queries add the rows they read and wrote to this isolate's counters. */
export function meterD1(db: D1Database): D1Database {
  return {
    ...metered(db),
    exec: (query) => db.exec(query),
    withSession: (c) => {
      const s = db.withSession(c)
      return { ...metered(s), getBookmark: () => s.getBookmark() }
    },
    dump: () => db.dump(),
  }
}

/** This isolate's counts as statements for a flush's batch, or none; `restore` if the batch fails. */
export function takeIsolateUsage(db: Db, now: number): { statements: BatchItem<'sqlite'>[]; restore: () => void } {
  const month = monthOf(now)
  const statements: BatchItem<'sqlite'>[] = []
  const w = worker.empty ? null : worker.take()
  const d = d1.empty ? null : d1.take()
  if (w) statements.push(addUsage(db, month, 'worker', w))
  if (d) statements.push(addUsage(db, month, 'd1', d))
  if (d1Bytes !== null) {
    statements.push(reportStorage(db, { objectId: 'd1', source: 'd1', bytes: d1Bytes }, new Date(now).toISOString()))
  }
  lastFlush = now
  return {
    statements,
    restore: () => {
      if (w) worker.restore(w)
      if (d) d1.restore(d)
    },
  }
}

/** `USAGE_METERING=off`: nothing is flushed to D1 and the Usage panel stays empty (ADR 011). */
export function usageMeteringOff(env: { USAGE_METERING?: string }): boolean {
  return env.USAGE_METERING === 'off'
}

/** After a Worker request: the isolate's counts, if ISOLATE_FLUSH_MS (or USAGE_FLUSH_MS) has passed and there are any. */
export function isolateFlushDue(now: number, env: { USAGE_FLUSH_MS?: string; USAGE_METERING?: string }): boolean {
  if (usageMeteringOff(env)) return false
  const ms = Number(env.USAGE_FLUSH_MS)
  const interval = Number.isFinite(ms) && ms > 0 ? ms : ISOLATE_FLUSH_MS
  return !flushing && now - lastFlush >= interval && !(worker.empty && d1.empty)
}

export async function flushIsolateUsage(db: Db, now = Date.now()): Promise<void> {
  if (flushing) return
  flushing = true
  const { statements, restore } = takeIsolateUsage(db, now)
  try {
    await runBatch(db, statements)
  } catch (err) {
    restore()
    console.error('usage: the isolate counters could not reach D1; the next flush carries them', err)
  } finally {
    flushing = false
  }
}
