// What a count of billed units costs per million messages at Workers Paid's marginal prices
// (protocol/workers-paid-prices.ts, the one dated source): the arithmetic of the cost pass
// (modes/message-cost.ts), kept pure so a test can hold it to known figures.
import {
  billedDurableObjectRequests,
  durableObjectGbSeconds,
  type Meter,
  marginalUsd,
  WEBSOCKET_MESSAGES_PER_REQUEST,
  WORKERS_PAID,
} from '../../protocol/workers-paid-prices.ts'

/** Billed units counted over a measured window (totals, not per message). */
export interface MeterCounts {
  /** Requests the Worker served: HTTP and WebSocket upgrades. */
  workerRequests: number
  /** WebSocket messages the objects received (those the runtime answers itself, pings, never reach them). */
  webSocketMessagesIn: number
  /** Calls on Durable Object stubs other than fetch: each is one billed request. */
  rpcCalls: number
  /** fetch() calls on Durable Object stubs (the socket upgrades). */
  fetches: number
  /** Alarm invocations. */
  alarms: number
  /** Rows the objects' SQLite statements read (their cursors' own counts), plus KV gets. */
  rowsRead: number
  /** Rows the objects' statements wrote, index entries included (the cursors' counts), plus KV puts and deletes. */
  rowsWritten: number
  /** setAlarm calls, each billed as a row written. */
  alarmsSet: number
  /** Seconds, summed over objects, during which an object could not hibernate; null when not estimated. */
  activeObjectSeconds: number | null
  d1Queries: number
  d1RowsRead: number
  d1RowsWritten: number
}

export type MeterName =
  | 'workerRequests'
  | 'doWebSocketMessages'
  | 'doRpcCalls'
  | 'doFetches'
  | 'doAlarms'
  | 'doRowsRead'
  | 'doRowsWritten'
  | 'doAlarmsSet'
  | 'doDuration'
  | 'd1Queries'
  | 'd1RowsRead'
  | 'd1RowsWritten'

export interface BillLine {
  meter: MeterName
  label: string
  /** Counted units per message (WebSocket messages as counted, before the ratio; duration in object-seconds). */
  perMessage: number
  /** The billed amount per message: WebSocket messages ÷ 20, duration in GB-s; otherwise as counted. */
  billedPerMessage: number
  usdPerMillionMessages: number
}

export interface Bill {
  messages: number
  lines: BillLine[]
  /** Every line but duration, which is an estimate (null when not measured). */
  requestsAndStorageUsd: number
  durationUsd: number | null
  totalUsd: number
}

const DO = WORKERS_PAID.durableObjects
/** D1 bills rows read and written, not queries: a query costs nothing of itself. */
const FREE: Meter = { included: 0, usdPerMillion: 0 }

/** The cost per million delivered messages of `counts`, measured while `messages` were delivered. */
export function billPerMillionMessages(counts: MeterCounts, messages: number): Bill {
  if (!(messages > 0)) throw new Error('a bill needs at least one delivered message')
  const per = (n: number) => n / messages
  const line = (meter: MeterName, label: string, counted: number, billed: number, price: Meter): BillLine => ({
    meter,
    label,
    perMessage: per(counted),
    billedPerMessage: per(billed),
    usdPerMillionMessages: marginalUsd(price, per(billed) * 1_000_000),
  })
  const lines: BillLine[] = [
    line(
      'workerRequests',
      'Worker requests',
      counts.workerRequests,
      counts.workerRequests,
      WORKERS_PAID.workers.requests,
    ),
    line(
      'doWebSocketMessages',
      `DO requests: incoming WebSocket messages (billed ÷ ${WEBSOCKET_MESSAGES_PER_REQUEST})`,
      counts.webSocketMessagesIn,
      billedDurableObjectRequests({
        webSocketMessagesIn: counts.webSocketMessagesIn,
        rpcCalls: 0,
        fetches: 0,
        alarms: 0,
      }),
      DO.requests,
    ),
    line('doRpcCalls', 'DO requests: RPC calls', counts.rpcCalls, counts.rpcCalls, DO.requests),
    line('doFetches', 'DO requests: fetches (upgrades)', counts.fetches, counts.fetches, DO.requests),
    line('doAlarms', 'DO requests: alarm invocations', counts.alarms, counts.alarms, DO.requests),
    line('doRowsRead', 'DO SQLite rows read', counts.rowsRead, counts.rowsRead, DO.rowsRead),
    line('doRowsWritten', 'DO SQLite rows written', counts.rowsWritten, counts.rowsWritten, DO.rowsWritten),
    line('doAlarmsSet', 'DO setAlarm (billed as a row written)', counts.alarmsSet, counts.alarmsSet, DO.rowsWritten),
  ]
  if (counts.activeObjectSeconds !== null) {
    const s = counts.activeObjectSeconds
    lines.push(
      line(
        'doDuration',
        'DO duration (object-seconds; GB-s at 128 MB, estimated)',
        s,
        durableObjectGbSeconds(s),
        DO.gbSeconds,
      ),
    )
  }
  lines.push(
    line('d1Queries', 'D1 queries (not billed)', counts.d1Queries, counts.d1Queries, FREE),
    line('d1RowsRead', 'D1 rows read', counts.d1RowsRead, counts.d1RowsRead, WORKERS_PAID.d1.rowsRead),
    line('d1RowsWritten', 'D1 rows written', counts.d1RowsWritten, counts.d1RowsWritten, WORKERS_PAID.d1.rowsWritten),
  )
  const durationUsd = lines.find((l) => l.meter === 'doDuration')?.usdPerMillionMessages ?? null
  const requestsAndStorageUsd = lines
    .filter((l) => l.meter !== 'doDuration')
    .reduce((sum, l) => sum + l.usdPerMillionMessages, 0)
  return {
    messages,
    lines,
    requestsAndStorageUsd,
    durationUsd,
    totalUsd: requestsAndStorageUsd + (durationUsd ?? 0),
  }
}
