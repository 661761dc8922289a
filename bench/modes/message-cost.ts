// What a message costs on Cloudflare (`npm run bench -- --cost`, and part of the full run):
// a steady load, P pairs where each member sends N messages at R a second, on the counting
// entries (servers/storage-probe.js for Parley, reference/relay-worker/cost-probe.js for the
// relay DO that stores each message), which count what Workers Paid bills: Worker requests,
// Durable Object requests (incoming WebSocket messages, stub calls, fetches, alarms), SQLite
// rows read and written by statement, setAlarm, D1 statements and rows, and how long objects
// could not hibernate. Counts per delivered message become dollars per million messages in
// report/bill.ts, at the prices of protocol/workers-paid-prices.ts.
//
// Parley runs twice: with the chat open on both sides (every socket viewing, each member
// marks each message it receives read, as the client does) and with the recipient not
// looking (chat sockets opened with `?viewing=false`, no reads), so every message owes a
// notification. Both have each member's notifications socket open, as a signed-in user has.
import { PRICE_SOURCES, PRICES_AS_OF } from '../../protocol/workers-paid-prices.ts'
import { NO_RECONNECT } from '../load/client.ts'
import { runPhase } from '../load/generator.ts'
import { requestJson } from '../load/http.ts'
import { openSession } from '../load/session.ts'
import { NetCounters } from '../load/stats.ts'
import type { Target, TargetName } from '../load/targets.ts'
import { type Bill, billPerMillionMessages, type MeterCounts } from '../report/bill.ts'
import { type ClassStorage, settle } from './change-cost.ts'

export interface CostSpec {
  pairs: number
  /** Messages each member sends. */
  messages: number
  /** Messages per second per member. */
  rate: number
  window: number
  bodyBytes: number
  tag: string
}

export type CostCaseName = 'parley-open' | 'parley-away' | 'relay-do-sql'

export const COST_CASE_LABELS: Record<CostCaseName, string> = {
  'parley-open': 'Parley, chat open (reads sent)',
  'parley-away': 'Parley, recipient not looking (notifications owed)',
  'relay-do-sql': 'relay DO + SQLite insert',
}

/** One counting entry's totals (GET /api/__bench/meters): the storage pass's, and what else is billed. */
export interface ClassMeters extends ClassStorage {
  instances: number
  kvReads: number
  kvWrites: number
  webSocketMessages: number
  fetches: number
  alarms: number
  activeMs: number
  byStatement: Record<string, { count: number; rowsRead: number; rowsWritten: number; table: string | null }>
  objects: number
  instrumented: boolean
}

export interface MeterSnapshot {
  classes: Record<string, ClassMeters>
  calls: Record<string, number>
  worker: { requests: number; upgrades: number; byRoute: Record<string, number> }
  d1: {
    sends: number
    statements: number
    rowsRead: number
    rowsWritten: number
    measured: boolean
    byStatement: Record<string, { count: number; rowsRead: number; rowsWritten: number }>
  }
  indexes: Record<string, string[] | null>
}

/** Where rows go: one statement of one class, per delivered message. */
export interface StatementRows {
  className: string
  statement: string
  /** The table it writes (null for a read); with its indexes, whose entries `rowsWritten` counts too. */
  table: string | null
  indexes: string[] | null
  runs: number
  rowsRead: number
  rowsWritten: number
}

export interface CostCase {
  name: CostCaseName
  target: TargetName
  pairs: number
  messagesPerMember: number
  rate: number
  window: number
  bodyBytes: number
  delivered: number
  durationS: number
  lost: number
  duplicated: number
  endedBy: string
  /** Over the measured window: from after the warm-up to after the sockets closed and the server went quiet. */
  counts: MeterCounts
  bill: Bill
  /** Per delivered message, by class: billed DO requests, and their parts. */
  byClass: {
    className: string
    webSocketMessagesIn: number
    rpcCalls: number
    fetches: number
    alarms: number
    rowsRead: number
    rowsWritten: number
    alarmsSet: number
    activeObjectSeconds: number
    commits: number
  }[]
  /** Per delivered message, statements that ran at least once per 100 messages. */
  statements: StatementRows[]
  /** Stub calls per delivered message, "caller → Class.method". */
  calls: { call: string; perMessage: number }[]
  d1Statements: { statement: string; perMessage: number; rowsRead: number; rowsWritten: number }[]
  workerRoutes: { route: string; perMessage: number }[]
  /** Opening one member's sockets (before the window): what a session start costs, once. */
  sessionOpen: MeterCounts
  instrumented: boolean
  d1Measured: boolean
}

export interface CostRun {
  pricesAsOf: string
  priceSources: typeof PRICE_SOURCES
  pairs: number
  messagesPerMember: number
  rate: number
  window: number
  bodyBytes: number
  cases: CostCase[]
  failures: string[]
  correct: boolean
}

export interface CostServer {
  url: string
  pgid: number | undefined
}

/** Runs each case on its server (already serving its counting entry); null skips it. */
export async function runMessageCost(
  servers: { name: CostCaseName; target: Target; server: CostServer }[],
  spec: CostSpec,
  log: (line: string) => void,
): Promise<CostRun> {
  const run: CostRun = {
    pricesAsOf: PRICES_AS_OF,
    priceSources: PRICE_SOURCES,
    pairs: spec.pairs,
    messagesPerMember: spec.messages,
    rate: spec.rate,
    window: spec.window,
    bodyBytes: spec.bodyBytes,
    cases: [],
    failures: [],
    correct: false,
  }
  for (const { name, target, server } of servers) {
    log(`cost: ${name}: ${spec.pairs} pairs × ${spec.messages} messages per member at ${spec.rate}/s`)
    try {
      const c = await costCase(name, target, server, { ...spec, tag: `${spec.tag}${name.slice(-4)}` })
      run.cases.push(c)
      log(describeCase(c))
    } catch (err) {
      run.failures.push(`${name}: ${(err as Error).message}`)
      log(`cost: ${name} FAILED: ${(err as Error).message}`)
    }
  }
  run.correct =
    run.failures.length === 0 &&
    run.cases.every((c) => c.endedBy === 'complete' && c.lost === 0 && c.duplicated === 0 && c.instrumented)
  return run
}

export function describeCase(c: CostCase): string {
  const usd = (x: number | null) => (x === null ? '–' : `$${x.toFixed(3)}`)
  return (
    `cost: ${c.name}: ${c.delivered} delivered; per message ${round3(c.counts.rowsWritten / c.delivered)} DO rows written, ` +
    `${round3(c.counts.rpcCalls / c.delivered)} RPCs, ${round3(c.counts.webSocketMessagesIn / c.delivered)} socket messages in; ` +
    `${usd(c.bill.requestsAndStorageUsd)} per million messages (+ ${usd(c.bill.durationUsd)} duration, estimated)`
  )
}

async function costCase(name: CostCaseName, target: Target, server: CostServer, spec: CostSpec): Promise<CostCase> {
  const counters = new NetCounters()
  const parley = target.name === 'parley'
  const beforeOpen = await readMeters(server.url, counters)
  const session = await openSession(target, counters, {
    pairs: spec.pairs,
    policy: NO_RECONNECT,
    withNotifications: parley,
    concurrency: 16,
  })
  let closed = false
  try {
    const opened = await readMeters(server.url, counters)
    const readEvery = name === 'parley-open' ? 1 : undefined
    const warm = await runPhase(session, {
      messages: 3,
      window: 3,
      rate: null,
      bodyBytes: spec.bodyBytes,
      tag: `${spec.tag}w`,
      deadlineMs: 60_000,
      drainMs: 5_000,
      stallMs: 30_000,
      ...(readEvery ? { readEvery } : {}),
    })
    if (warm.endedBy !== 'complete') throw new Error(`the warm-up did not complete (${warm.endedBy})`)
    await quiet(server.pgid, 3_000)
    const before = await readMeters(server.url, counters)
    const phase = await runPhase(session, {
      messages: spec.messages,
      window: spec.window,
      rate: spec.rate,
      bodyBytes: spec.bodyBytes,
      tag: spec.tag,
      deadlineMs: 60_000 + (spec.messages / spec.rate) * 2_000,
      drainMs: 10_000,
      stallMs: 30_000,
      ...(readEvery ? { readEvery } : {}),
    })
    // Closing is part of the window: the last socket's close settles the room (its last
    // deliveries, its counters to D1), which a session's messages owe.
    await session.close()
    closed = true
    await quiet(server.pgid, 3_000)
    const after = await readMeters(server.url, counters)
    if (phase.delivered === 0) throw new Error(`nothing was delivered (${phase.endedBy})`)
    const window = delta(before, after)
    const members = 2 * spec.pairs
    const open = delta(beforeOpen, opened)
    const openCounts = countsOf(open)
    const perMember = Object.fromEntries(
      Object.entries(openCounts).map(([k, v]) => [k, v === null ? null : round3(v / members)]),
    ) as unknown as MeterCounts
    const counts = countsOf(window)
    const n = phase.delivered
    const per = (x: number) => round3(x / n)
    return {
      name,
      target: target.name,
      pairs: spec.pairs,
      messagesPerMember: spec.messages,
      rate: spec.rate,
      window: spec.window,
      bodyBytes: spec.bodyBytes,
      delivered: n,
      durationS: phase.durationS,
      lost: phase.correctness.lost,
      duplicated: phase.correctness.duplicated,
      endedBy: phase.endedBy === 'drain' ? 'complete' : phase.endedBy,
      counts,
      bill: billPerMillionMessages(counts, n),
      byClass: Object.entries(window.classes).map(([className, c]) => ({
        className,
        webSocketMessagesIn: per(c.webSocketMessages),
        rpcCalls: per(callsTo(window.calls, className, false)),
        fetches: per(callsTo(window.calls, className, true)),
        alarms: per(c.alarms),
        rowsRead: per(c.rowsRead + c.kvReads),
        rowsWritten: per(c.rowsWritten + c.kvWrites),
        alarmsSet: per(c.alarmsSet),
        activeObjectSeconds: per(c.activeMs / 1000),
        commits: per(c.transactions),
      })),
      statements: statementsOf(window, n),
      calls: Object.entries(window.calls)
        .filter(([, v]) => v > 0)
        .map(([call, v]) => ({ call, perMessage: per(v) }))
        .sort((a, b) => b.perMessage - a.perMessage),
      d1Statements: Object.entries(window.d1.byStatement)
        .filter(([, s]) => s.count > 0)
        .map(([statement, s]) => ({
          statement,
          perMessage: per(s.count),
          rowsRead: per(s.rowsRead),
          rowsWritten: per(s.rowsWritten),
        }))
        .sort((a, b) => b.perMessage - a.perMessage),
      workerRoutes: Object.entries(window.worker.byRoute)
        .filter(([, v]) => v > 0)
        .map(([route, v]) => ({ route, perMessage: per(v) })),
      sessionOpen: perMember,
      instrumented: Object.values(after.classes).every((c) => c.instrumented),
      d1Measured: after.d1.measured,
    }
  } finally {
    if (!closed) await session.close()
  }
}

/** The billed units in a window of the probe's counts. */
export function countsOf(m: MeterSnapshot): MeterCounts {
  const classes = Object.values(m.classes)
  const sum = (f: (c: ClassMeters) => number) => classes.reduce((s, c) => s + f(c), 0)
  const calls = Object.entries(m.calls)
  return {
    workerRequests: m.worker.requests,
    webSocketMessagesIn: sum((c) => c.webSocketMessages),
    rpcCalls: calls.filter(([k]) => !k.endsWith('.fetch')).reduce((s, [, v]) => s + v, 0),
    fetches: calls.filter(([k]) => k.endsWith('.fetch')).reduce((s, [, v]) => s + v, 0),
    alarms: sum((c) => c.alarms),
    rowsRead: sum((c) => c.rowsRead + c.kvReads),
    rowsWritten: sum((c) => c.rowsWritten + c.kvWrites),
    alarmsSet: sum((c) => c.alarmsSet),
    activeObjectSeconds: sum((c) => c.activeMs) / 1000,
    d1Queries: m.d1.statements,
    d1RowsRead: m.d1.rowsRead,
    d1RowsWritten: m.d1.rowsWritten,
  }
}

function callsTo(calls: Record<string, number>, className: string, fetch: boolean): number {
  let n = 0
  for (const [k, v] of Object.entries(calls)) {
    const callee = k.split(' → ')[1] ?? ''
    if (callee.startsWith(`${className}.`) && callee.endsWith('.fetch') === fetch) n += v
  }
  return n
}

function statementsOf(m: MeterSnapshot, n: number): StatementRows[] {
  const out: StatementRows[] = []
  for (const [className, c] of Object.entries(m.classes)) {
    for (const [statement, s] of Object.entries(c.byStatement)) {
      if (s.count / n < 0.01 && s.rowsWritten === 0) continue
      out.push({
        className,
        statement,
        table: s.table,
        indexes: s.table ? (m.indexes[s.table] ?? null) : null,
        runs: round3(s.count / n),
        rowsRead: round3(s.rowsRead / n),
        rowsWritten: round3(s.rowsWritten / n),
      })
    }
    if (c.kvReads + c.kvWrites > 0) {
      out.push({
        className,
        statement: '(synchronous KV API: get, put, delete)',
        table: '_cf_KV',
        indexes: null,
        runs: round3((c.kvReads + c.kvWrites) / n),
        rowsRead: round3(c.kvReads / n),
        rowsWritten: round3(c.kvWrites / n),
      })
    }
  }
  return out.sort((a, b) => b.rowsWritten - a.rowsWritten || b.runs - a.runs)
}

/** after − before, field by field (the probe's counters only grow). */
export function delta(before: MeterSnapshot, after: MeterSnapshot): MeterSnapshot {
  const diff = (a: Record<string, number>, b: Record<string, number> | undefined) =>
    Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - (b?.[k] ?? 0)]))
  const classes: Record<string, ClassMeters> = {}
  for (const [name, a] of Object.entries(after.classes)) {
    const b = before.classes[name]
    const byStatement: ClassMeters['byStatement'] = {}
    for (const [k, s] of Object.entries(a.byStatement)) {
      const p = b?.byStatement[k]
      byStatement[k] = {
        table: s.table,
        count: s.count - (p?.count ?? 0),
        rowsRead: s.rowsRead - (p?.rowsRead ?? 0),
        rowsWritten: s.rowsWritten - (p?.rowsWritten ?? 0),
      }
    }
    const num = (k: keyof ClassMeters) => (a[k] as number) - ((b?.[k] as number | undefined) ?? 0)
    classes[name] = {
      instances: num('instances'),
      statements: num('statements'),
      rowsRead: num('rowsRead'),
      rowsWritten: num('rowsWritten'),
      transactions: num('transactions'),
      alarmsSet: num('alarmsSet'),
      alarmsDeleted: num('alarmsDeleted'),
      kvReads: num('kvReads'),
      kvWrites: num('kvWrites'),
      webSocketMessages: num('webSocketMessages'),
      fetches: num('fetches'),
      alarms: num('alarms'),
      activeMs: num('activeMs'),
      databaseBytes: num('databaseBytes'),
      objects: a.objects,
      byStatement,
      instrumented: a.instrumented,
    }
  }
  const d1Statements: MeterSnapshot['d1']['byStatement'] = {}
  for (const [k, s] of Object.entries(after.d1.byStatement)) {
    const p = before.d1.byStatement[k]
    d1Statements[k] = {
      count: s.count - (p?.count ?? 0),
      rowsRead: s.rowsRead - (p?.rowsRead ?? 0),
      rowsWritten: s.rowsWritten - (p?.rowsWritten ?? 0),
    }
  }
  return {
    classes,
    calls: diff(after.calls, before.calls),
    worker: {
      requests: after.worker.requests - before.worker.requests,
      upgrades: after.worker.upgrades - before.worker.upgrades,
      byRoute: diff(after.worker.byRoute, before.worker.byRoute),
    },
    d1: {
      sends: after.d1.sends - before.d1.sends,
      statements: after.d1.statements - before.d1.statements,
      rowsRead: after.d1.rowsRead - before.d1.rowsRead,
      rowsWritten: after.d1.rowsWritten - before.d1.rowsWritten,
      measured: after.d1.measured,
      byStatement: d1Statements,
    },
    indexes: after.indexes,
  }
}

async function readMeters(baseUrl: string, counters: NetCounters): Promise<MeterSnapshot> {
  const res = await requestJson<MeterSnapshot>(counters, `${baseUrl}/api/__bench/meters`)
  if (res.status !== 200 || !res.body)
    throw new Error(`the counting entry answered ${res.status} at /api/__bench/meters`)
  return res.body
}

/**
 * At least `minMs`, then until the server used under 0.05 s of CPU in half a second (at
 * most 20 s): the rooms' last deliveries and flushes land inside the window.
 */
async function quiet(pgid: number | undefined, minMs: number): Promise<void> {
  await new Promise((r) => setTimeout(r, minMs))
  await settle(pgid, 20_000)
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000
}
