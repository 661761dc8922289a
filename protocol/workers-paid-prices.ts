// Cloudflare's Workers Paid list prices, as published on the date below: the one place the
// bench's cost per message and the admin Usage panel's estimated bill take them from. When
// Cloudflare changes a price, change it here, with the new date and the page it is on.

/** The day these prices were read from the pages cited in `PRICE_SOURCES`. */
export const PRICES_AS_OF = '2026-12-02'

export const PRICE_SOURCES = {
  workers: 'https://developers.cloudflare.com/workers/platform/pricing/',
  durableObjects: 'https://developers.cloudflare.com/durable-objects/platform/pricing/',
  d1: 'https://developers.cloudflare.com/d1/platform/pricing/',
  r2: 'https://developers.cloudflare.com/r2/pricing/',
  webSocketRatio: 'https://developers.cloudflare.com/durable-objects/platform/changelog/ (2024-04-01)',
} as const

/** A metered unit: what the monthly plan includes, and the price of each million beyond it (USD). */
export interface Meter {
  included: number
  usdPerMillion: number
}

/** A stored amount, billed per GB-month (averaged over the month) beyond what is included. */
export interface StorageMeter {
  includedGb: number
  usdPerGbMonth: number
}

export const WORKERS_PAID = {
  /** The plan's monthly minimum, which the included amounts below come with. */
  baseUsdPerMonth: 5,
  workers: {
    requests: { included: 10_000_000, usdPerMillion: 0.3 } satisfies Meter,
    cpuMs: { included: 30_000_000, usdPerMillion: 0.02 } satisfies Meter,
  },
  durableObjects: {
    /** HTTP requests, RPC sessions (each stub method call), alarm invocations, incoming WebSocket messages / 20. */
    requests: { included: 1_000_000, usdPerMillion: 0.15 } satisfies Meter,
    /** Wall-clock time an object is active (not hibernated), at 128 MB per object. */
    gbSeconds: { included: 400_000, usdPerMillion: 12.5 } satisfies Meter,
    rowsRead: { included: 25_000_000_000, usdPerMillion: 0.001 } satisfies Meter,
    /** Each `setAlarm` is billed as one row written. */
    rowsWritten: { included: 50_000_000, usdPerMillion: 1 } satisfies Meter,
    storage: { includedGb: 5, usdPerGbMonth: 0.2 } satisfies StorageMeter,
  },
  d1: {
    rowsRead: { included: 25_000_000_000, usdPerMillion: 0.001 } satisfies Meter,
    rowsWritten: { included: 50_000_000, usdPerMillion: 1 } satisfies Meter,
    storage: { includedGb: 5, usdPerGbMonth: 0.75 } satisfies StorageMeter,
  },
  r2: {
    /** Writes and lists (PUT, DELETE is free). */
    classA: { included: 1_000_000, usdPerMillion: 4.5 } satisfies Meter,
    /** Reads (GET, HEAD). */
    classB: { included: 10_000_000, usdPerMillion: 0.36 } satisfies Meter,
    storage: { includedGb: 10, usdPerGbMonth: 0.015 } satisfies StorageMeter,
  },
} as const

/** Incoming WebSocket messages a Durable Object is billed for as one request. */
export const WEBSOCKET_MESSAGES_PER_REQUEST = 20

/** Memory a Durable Object is billed for while active, in GB. */
export const DURABLE_OBJECT_BILLED_GB = 0.128

/** What `amount` costs beyond the plan's inclusion. */
export function meterUsd(meter: Meter, amount: number): number {
  return (Math.max(0, amount - meter.included) / 1_000_000) * meter.usdPerMillion
}

/** What `amount` costs at the marginal price, ignoring the inclusion: the cost of one more unit, times `amount`. */
export function marginalUsd(meter: Meter, amount: number): number {
  return (amount / 1_000_000) * meter.usdPerMillion
}

export function storageUsd(meter: StorageMeter, bytes: number): number {
  return Math.max(0, bytes / 1e9 - meter.includedGb) * meter.usdPerGbMonth
}

/** What a Durable Object class is billed as requests: each fetch, RPC call and alarm, and incoming WebSocket messages at their ratio. */
export function billedDurableObjectRequests(counts: {
  webSocketMessagesIn: number
  rpcCalls: number
  fetches: number
  alarms: number
}): number {
  return counts.webSocketMessagesIn / WEBSOCKET_MESSAGES_PER_REQUEST + counts.rpcCalls + counts.fetches + counts.alarms
}

/** GB-s billed for objects active (not hibernatable) this many seconds in all. */
export function durableObjectGbSeconds(activeSeconds: number): number {
  return activeSeconds * DURABLE_OBJECT_BILLED_GB
}
