// The estimated Workers Paid bill for a month's counters: pure arithmetic over the prices
// in workers-paid-prices.ts, shared by the admin route and its tests.
import type { UsageCounts, UsageMeterLine, UsageSource } from './admin-usage.ts'
import {
  type Meter,
  meterUsd,
  PRICE_SOURCES,
  type StorageMeter,
  storageUsd,
  WEBSOCKET_MESSAGES_PER_REQUEST,
  WORKERS_PAID,
} from './workers-paid-prices.ts'

export interface StoredBytes {
  /** Sum of every object's latest SQLite database size. */
  durableObjects: number
  /** D1's own database size, as its last query's `size_after` said. */
  d1: number
  /** Sum of every user's attachment bytes (their quota's count in the inbox). */
  r2: number
}

export const NO_COUNTS: UsageCounts = {
  requests: 0,
  webSocketMessages: 0,
  rowsRead: 0,
  rowsWritten: 0,
  alarmsSet: 0,
  flushes: 0,
}

/** Durable Object requests as billed: WebSocket messages count 1/20 each (rounded up over the month). */
export function billedObjectRequests(counts: UsageCounts): number {
  return counts.requests + Math.ceil(counts.webSocketMessages / WEBSOCKET_MESSAGES_PER_REQUEST)
}

function sum(a: UsageCounts, b: UsageCounts): UsageCounts {
  return {
    requests: a.requests + b.requests,
    webSocketMessages: a.webSocketMessages + b.webSocketMessages,
    rowsRead: a.rowsRead + b.rowsRead,
    rowsWritten: a.rowsWritten + b.rowsWritten,
    alarmsSet: a.alarmsSet + b.alarmsSet,
    flushes: a.flushes + b.flushes,
  }
}

function line(
  id: string,
  label: string,
  meter: Meter,
  amount: number,
  source: string,
  approximate: boolean,
): UsageMeterLine {
  return {
    id,
    label,
    amount,
    unit: 'count',
    included: meter.included,
    usd: meterUsd(meter, amount),
    source,
    approximate,
  }
}

function storageLine(id: string, label: string, meter: StorageMeter, bytes: number, source: string): UsageMeterLine {
  return {
    id,
    label,
    amount: bytes,
    unit: 'bytes',
    included: meter.includedGb * 1e9,
    usd: storageUsd(meter, bytes),
    source,
    // Billed on the month's average; this is what is stored now.
    approximate: true,
  }
}

/** One line per meter counted, and the total with the plan's base. */
export function estimateBill(
  sources: Record<UsageSource, UsageCounts>,
  stored: StoredBytes,
): { meters: UsageMeterLine[]; baseUsd: number; totalUsd: number } {
  const objects = sum(sources['chat-room'], sources['user-inbox'])
  const p = WORKERS_PAID
  const meters = [
    line(
      'workers.requests',
      'Worker requests',
      p.workers.requests,
      sources.worker.requests,
      PRICE_SOURCES.workers,
      true,
    ),
    line(
      'durableObjects.requests',
      'Durable Object requests',
      p.durableObjects.requests,
      billedObjectRequests(objects),
      PRICE_SOURCES.durableObjects,
      false,
    ),
    line(
      'durableObjects.rowsRead',
      'Durable Object rows read',
      p.durableObjects.rowsRead,
      objects.rowsRead,
      PRICE_SOURCES.durableObjects,
      false,
    ),
    line(
      'durableObjects.rowsWritten',
      'Durable Object rows written (with alarms set)',
      p.durableObjects.rowsWritten,
      objects.rowsWritten + objects.alarmsSet,
      PRICE_SOURCES.durableObjects,
      false,
    ),
    storageLine(
      'durableObjects.storage',
      'Durable Object storage',
      p.durableObjects.storage,
      stored.durableObjects,
      PRICE_SOURCES.durableObjects,
    ),
    line('d1.rowsRead', 'D1 rows read', p.d1.rowsRead, sources.d1.rowsRead, PRICE_SOURCES.d1, true),
    line('d1.rowsWritten', 'D1 rows written', p.d1.rowsWritten, sources.d1.rowsWritten, PRICE_SOURCES.d1, true),
    storageLine('d1.storage', 'D1 storage', p.d1.storage, stored.d1, PRICE_SOURCES.d1),
    storageLine('r2.storage', 'R2 storage (attachments)', p.r2.storage, stored.r2, PRICE_SOURCES.r2),
  ]
  const baseUsd = p.baseUsdPerMonth
  return { meters, baseUsd, totalUsd: baseUsd + meters.reduce((t, m) => t + m.usd, 0) }
}
