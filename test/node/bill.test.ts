// The cost pass's arithmetic (bench/report/bill.ts): counted units → dollars per million
// messages at the marginal Workers Paid prices of protocol/workers-paid-prices.ts.
import { describe, expect, it } from 'vitest'
import { type ClassMeters, countsOf, delta, type MeterSnapshot } from '../../bench/modes/message-cost.ts'
import { billPerMillionMessages, type MeterCounts } from '../../bench/report/bill.ts'
import {
  billedDurableObjectRequests,
  durableObjectGbSeconds,
  WEBSOCKET_MESSAGES_PER_REQUEST,
  WORKERS_PAID,
} from '../../protocol/workers-paid-prices.ts'

const NONE: MeterCounts = {
  workerRequests: 0,
  webSocketMessagesIn: 0,
  rpcCalls: 0,
  fetches: 0,
  alarms: 0,
  rowsRead: 0,
  rowsWritten: 0,
  alarmsSet: 0,
  activeObjectSeconds: null,
  d1Queries: 0,
  d1RowsRead: 0,
  d1RowsWritten: 0,
}

function usd(counts: Partial<MeterCounts>, messages: number, meter: string): number {
  const line = billPerMillionMessages({ ...NONE, ...counts }, messages).lines.find((l) => l.meter === meter)
  if (!line) throw new Error(`no ${meter} line`)
  return line.usdPerMillionMessages
}

describe('the cost of a million messages', () => {
  it('bills incoming WebSocket messages at one request per 20', () => {
    expect(WEBSOCKET_MESSAGES_PER_REQUEST).toBe(20)
    // 2 incoming frames per message → 0.1 request per message → 100,000 requests per million → $0.015.
    expect(usd({ webSocketMessagesIn: 2_000 }, 1_000, 'doWebSocketMessages')).toBeCloseTo(0.015, 10)
    const line = billPerMillionMessages({ ...NONE, webSocketMessagesIn: 2_000 }, 1_000).lines[1]!
    expect(line.perMessage).toBe(2)
    expect(line.billedPerMessage).toBeCloseTo(0.1, 12)
  })

  it('bills each RPC call, fetch and alarm as a whole request', () => {
    // One of each per message: a million each at $0.15.
    expect(usd({ rpcCalls: 500 }, 500, 'doRpcCalls')).toBeCloseTo(0.15, 10)
    expect(usd({ fetches: 500 }, 500, 'doFetches')).toBeCloseTo(0.15, 10)
    expect(usd({ alarms: 250 }, 500, 'doAlarms')).toBeCloseTo(0.075, 10)
    expect(billedDurableObjectRequests({ webSocketMessagesIn: 40, rpcCalls: 3, fetches: 2, alarms: 1 })).toBe(8)
  })

  it('prices rows, setAlarm and D1 at their own meters', () => {
    // 3 rows written per message: $1 per million rows → $3 per million messages.
    expect(usd({ rowsWritten: 3_000 }, 1_000, 'doRowsWritten')).toBeCloseTo(3, 10)
    expect(usd({ alarmsSet: 1_000 }, 1_000, 'doAlarmsSet')).toBeCloseTo(1, 10)
    expect(usd({ rowsRead: 10_000 }, 1_000, 'doRowsRead')).toBeCloseTo(0.01, 10)
    expect(usd({ d1RowsWritten: 1 }, 1_000, 'd1RowsWritten')).toBeCloseTo(0.001, 10)
    expect(usd({ d1Queries: 1_000 }, 1_000, 'd1Queries')).toBe(0)
    expect(usd({ workerRequests: 100 }, 1_000, 'workerRequests')).toBeCloseTo(
      0.1 * WORKERS_PAID.workers.requests.usdPerMillion,
      10,
    )
  })

  it('turns active object-seconds into GB-s at 128 MB, apart from the counted meters', () => {
    expect(durableObjectGbSeconds(10)).toBeCloseTo(1.28, 12)
    // 0.5 object-seconds per message → 64,000 GB-s per million → $0.80.
    const bill = billPerMillionMessages({ ...NONE, activeObjectSeconds: 500, rowsWritten: 2_000 }, 1_000)
    expect(bill.durationUsd).toBeCloseTo(0.8, 10)
    expect(bill.requestsAndStorageUsd).toBeCloseTo(2, 10)
    expect(bill.totalUsd).toBeCloseTo(2.8, 10)
    expect(billPerMillionMessages(NONE, 1).durationUsd).toBeNull()
  })

  it('refuses a bill without delivered messages', () => {
    expect(() => billPerMillionMessages(NONE, 0)).toThrow(/delivered/)
  })
})

describe("the probe's counts as billed units", () => {
  const cls = (over: Partial<ClassMeters>): ClassMeters => ({
    instances: 0,
    statements: 0,
    rowsRead: 0,
    rowsWritten: 0,
    transactions: 0,
    alarmsSet: 0,
    alarmsDeleted: 0,
    kvReads: 0,
    kvWrites: 0,
    webSocketMessages: 0,
    fetches: 0,
    alarms: 0,
    activeMs: 0,
    byStatement: {},
    databaseBytes: 0,
    objects: 0,
    instrumented: true,
    ...over,
  })
  const snapshot = (room: Partial<ClassMeters>, calls: Record<string, number>, requests: number): MeterSnapshot => ({
    classes: { ChatRoom: cls(room), UserInbox: cls({ rowsWritten: 1, kvReads: 2, kvWrites: 1 }) },
    calls,
    worker: { requests, upgrades: requests, byRoute: {} },
    d1: { sends: 1, statements: 2, rowsRead: 3, rowsWritten: 4, measured: true, byStatement: {} },
    indexes: {},
  })

  it('takes the window between two snapshots, splits fetches from RPCs and adds KV to rows', () => {
    const before = snapshot(
      { webSocketMessages: 10, rowsWritten: 30, activeMs: 1_000 },
      { 'Worker → ChatRoom.fetch': 2 },
      2,
    )
    const after = snapshot(
      { webSocketMessages: 50, rowsWritten: 150, alarms: 1, alarmsSet: 2, activeMs: 3_500 },
      { 'Worker → ChatRoom.fetch': 4, 'ChatRoom → UserInbox.applyConversation': 80 },
      4,
    )
    const counts = countsOf(delta(before, after))
    expect(counts).toEqual({
      workerRequests: 2,
      webSocketMessagesIn: 40,
      rpcCalls: 80,
      fetches: 2,
      alarms: 1,
      rowsRead: 0,
      rowsWritten: 120,
      alarmsSet: 2,
      activeObjectSeconds: 2.5,
      d1Queries: 0,
      d1RowsRead: 0,
      d1RowsWritten: 0,
    })
    // The UserInbox's own rows and KV use did not change in the window; in one snapshot they count.
    expect(countsOf(after).rowsWritten).toBe(150 + 1 + 1)
    expect(countsOf(after).rowsRead).toBe(2)
  })
})
