// /api/admin/usage: this month's billed amounts and the estimated Workers Paid bill, from the
// counters the Worker and the objects flush to D1 in batches (worker/usage/).
import { Hono } from 'hono'
import type { AdminUsage, UsageCounts, UsageSource } from '../../../protocol/admin-usage.ts'
import { estimateBill, NO_COUNTS } from '../../../protocol/usage-estimate.ts'
import { PRICE_SOURCES, PRICES_AS_OF } from '../../../protocol/workers-paid-prices.ts'
import { monthUsage, storedBytes } from '../../db/usage.ts'
import type { AppEnv } from '../../env.ts'
import { monthOf } from '../../usage/usage-counts.ts'

const SOURCES: readonly UsageSource[] = ['worker', 'd1', 'chat-room', 'user-inbox']

/** Billed, but not counted by this instance. */
const NOT_COUNTED = [
  'Worker CPU time',
  'Durable Object duration (GB-s while active)',
  'R2 operations (class A and B)',
  'the rate limiter, key rotation and retention walk objects',
]

export const adminUsage = new Hono<AppEnv>().get('/', async (c) => {
  const month = monthOf(Date.now())
  const [rows, stored] = await Promise.all([monthUsage(c.var.db, month), storedBytes(c.var.db)])
  const sources = Object.fromEntries(SOURCES.map((s) => [s, { ...NO_COUNTS }])) as Record<UsageSource, UsageCounts>
  for (const r of rows) {
    if (!(SOURCES as readonly string[]).includes(r.source)) continue
    sources[r.source as UsageSource] = {
      requests: r.requests,
      webSocketMessages: r.webSocketMessages,
      rowsRead: r.rowsRead,
      rowsWritten: r.rowsWritten,
      alarmsSet: r.alarmsSet,
      flushes: r.flushes,
    }
  }
  const bill = estimateBill(sources, stored)
  return c.json({
    month,
    pricesAsOf: PRICES_AS_OF,
    ...bill,
    sources,
    notCounted: NOT_COUNTED,
    priceSources: { ...PRICE_SOURCES },
  } satisfies AdminUsage)
})
