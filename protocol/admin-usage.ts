// GET /api/admin/usage: this month's metered amounts and the estimated Workers Paid bill,
// from the counters the Worker and the objects flush to D1 (docs/api.md, worker/usage/).

/** Who a row of counters in D1 comes from. */
export type UsageSource = 'worker' | 'd1' | 'chat-room' | 'user-inbox'

/** What one source counted this month (summed over every flush). */
export interface UsageCounts {
  /** HTTP requests, RPC calls received and alarm invocations (for the objects); HTTP requests (for the Worker). */
  requests: number
  /** Incoming WebSocket messages (the objects), billed as one request per 20. */
  webSocketMessages: number
  rowsRead: number
  /** Rows written, without `alarmsSet`. */
  rowsWritten: number
  /** `setAlarm` calls, each billed as a row written. */
  alarmsSet: number
  /** D1 batches that carried these counters. */
  flushes: number
}

export interface UsageMeterLine {
  /** Stable id, e.g. `durableObjects.requests`. */
  id: string
  /** What a person reads, e.g. `Durable Object requests`. */
  label: string
  /** The amount this month: a count, or bytes for storage. */
  amount: number
  unit: 'count' | 'bytes'
  /** What the plan includes each month (count, or bytes for storage). */
  included: number
  /** Estimated USD beyond the inclusion. */
  usd: number
  /** The page the price is from. */
  source: string
  /** True when the amount is a lower bound or an estimate (see `notes`). */
  approximate: boolean
}

export interface AdminUsage {
  /** The UTC month counted, `2026-12`. */
  month: string
  /** `PRICES_AS_OF` of protocol/workers-paid-prices.ts. */
  pricesAsOf: string
  baseUsd: number
  meters: UsageMeterLine[]
  /** Base plus every meter's estimate. */
  totalUsd: number
  /** What each source counted, as stored. */
  sources: Record<UsageSource, UsageCounts>
  /** What is not counted at all. */
  notCounted: string[]
  /** Where the price list is from: `PRICE_SOURCES`. */
  priceSources: Record<string, string>
}
