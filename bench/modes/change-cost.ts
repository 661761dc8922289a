// What changing a message costs (`npm run bench -- --changes`, and part of the full run):
// P pairs, each member sends N messages, then edits each of them once, then reacts to each
// of its peer's N messages; window W per member, closed loop, no faults. Per operation:
// server CPU from /proc (the whole process group, as the load runs measure CPU per
// message), throughput (operations reaching the peer per second) and latency to the
// sender's acknowledgement (its own `message` or `update` frame) and to the peer.
//
// Then the same three phases again on the storage probe (servers/storage-probe.js): the
// same Worker with each Durable Object's `sql.exec`, `transactionSync` and `setAlarm`
// counted, which is the only way to see them: a Durable Object's rowsWritten and
// databaseSize are not observable from outside it. The CPU figures come from the first,
// uninstrumented pass only.
import type { Message } from '../../protocol/api.ts'
import { NO_RECONNECT } from '../load/client.ts'
import { runPhase } from '../load/generator.ts'
import { requestJson } from '../load/http.ts'
import { markAllRead } from '../load/reads.ts'
import { type Member, openSession, type Session } from '../load/session.ts'
import { LatencyRecorder, NetCounters, type NetSnapshot, type Percentiles, round2 } from '../load/stats.ts'
import type { Target } from '../load/targets.ts'
import type { ParleyServer } from '../servers/parley.ts'
import { machineBusyS, sampleGroup } from '../servers/process-group.ts'
import { PROBE_ENTRY } from '../servers/snapshot.ts'

export interface ChangeCostSpec {
  pairs: number
  /** Messages each member sends, then edits, then reacts to (its peer's). */
  operations: number
  window: number
  bodyBytes: number
  tag: string
}

export type OpName = 'send' | 'edit' | 'react'

export interface OpCost {
  op: OpName
  /** Operations made (2 × P × N). */
  operations: number
  /** Of them acknowledged to their sender, and seen by the peer. */
  acked: number
  delivered: number
  /** First operation → last one reaching the peer, seconds. */
  durationS: number
  deliveredPerS: number
  /** Operation → the sender's acknowledgement (send: its `message` echo; edit, react: the `update`). */
  ackLatencyMs: Percentiles
  /** Operation → the peer's `message` or `update`. */
  peerLatencyMs: Percentiles
  /** Server CPU (whole process group) during the phase, and per operation. */
  cpuS: number
  cpuMsPerOp: number
  /** The background work that follows (inbox deliveries), until the server is idle again (at most 15 s). */
  settleS: number
  settleCpuS: number
  /** Phase plus settle, less what the idle server uses in as long (`idleCores` × settleS), per operation. */
  cpuMsPerOpWithSettle: number
  generatorCpuS: number
  /** CPU the rest of the machine used during the phase (all but this server and the generator), in cores. */
  otherCores: number
  endedBy: 'complete' | 'stall' | 'deadline'
}

export interface ClassStorage {
  statements: number
  rowsRead: number
  rowsWritten: number
  transactions: number
  alarmsSet: number
  alarmsDeleted: number
  /** Growth of the databases this class's objects reported (summed), bytes. */
  databaseBytes: number
}

export interface StorageCost {
  op: OpName
  operations: number
  /** Per operation, by Durable Object class. */
  perOp: Record<string, ClassStorage>
  /** The statements behind it: per operation, those run at least once per 100 operations. */
  statements: { className: string; statement: string; perOp: number; rowsWrittenPerOp: number }[]
}

export interface StorageRun {
  /** False when the probe could not wrap storage (the counts would then be zero). */
  instrumented: boolean
  ops: StorageCost[]
  /** Operation phases the probe pass could not complete. */
  failures: string[]
}

export interface ChangeCostRun {
  pairs: number
  operationsPerMember: number
  window: number
  bodyBytes: number
  /** Server CPU while idle before the phases, in cores: what the settle figures include. */
  idleCores: number
  ops: OpCost[]
  storage: StorageRun | { error: string }
  net: NetSnapshot
  correct: boolean
}

interface Op {
  member: Member
  seq: number
  frame: string
  /** Whether `m` shows this operation done. */
  done(m: Message): boolean
}

const EMOJI = '👍'
const SETTLE_MAX_MS = 15_000

export async function runChangeCost(
  target: Target,
  server: ParleyServer,
  spec: ChangeCostSpec,
  log: (line: string) => void,
): Promise<ChangeCostRun> {
  const counters = new NetCounters()
  log(`changes: ${spec.pairs} pairs × ${spec.operations} sends, edits and reactions per member, window ${spec.window}`)
  const measured = await pass(target, server, spec, counters, null, log)
  let storage: ChangeCostRun['storage']
  try {
    log('changes: the same on the storage probe (counted sql.exec per Durable Object)')
    await server.serveEntry(PROBE_ENTRY)
    const probe = await pass(target, server, { ...spec, tag: `${spec.tag}s` }, counters, server.url, log)
    storage = probe.storage ?? { error: 'the probe pass measured nothing' }
  } catch (err) {
    storage = { error: String(err) }
    log(`changes: storage probe failed: ${String(err)}`)
  } finally {
    await server.serveEntry(null)
  }
  const run: ChangeCostRun = {
    pairs: spec.pairs,
    operationsPerMember: spec.operations,
    window: spec.window,
    bodyBytes: spec.bodyBytes,
    idleCores: measured.idleCores,
    ops: measured.ops,
    storage,
    net: counters.snapshot(),
    correct: measured.ops.length === 3 && measured.ops.every((o) => o.endedBy === 'complete'),
  }
  for (const o of run.ops) log(describeOp(o))
  if ('ops' in storage) for (const s of storage.ops) log(describeStorage(s))
  return run
}

export function describeOp(o: OpCost): string {
  return (
    `changes: ${o.op.padEnd(5)} ${o.delivered}/${o.operations} in ${o.durationS} s = ${o.deliveredPerS}/s, ` +
    `ack p50 ${o.ackLatencyMs.p50} p99 ${o.ackLatencyMs.p99} ms, peer p50 ${o.peerLatencyMs.p50} ms; ` +
    `server ${o.cpuMsPerOp} ms CPU/op (${o.cpuMsPerOpWithSettle} with the ${o.settleS} s settle) (${o.endedBy})`
  )
}

function describeStorage(s: StorageCost): string {
  const parts = Object.entries(s.perOp).map(
    ([cls, c]) =>
      `${cls} ${c.statements} statements, ${c.rowsWritten} rows written, ${c.transactions} commits, ${c.databaseBytes} B`,
  )
  return `changes: storage per ${s.op}: ${parts.join('; ')}`
}

interface PassResult {
  ops: OpCost[]
  idleCores: number
  storage: StorageRun | null
}

async function pass(
  target: Target,
  server: ParleyServer,
  spec: ChangeCostSpec,
  counters: NetCounters,
  probeUrl: string | null,
  log: (line: string) => void,
): Promise<PassResult> {
  const session = await openSession(target, counters, { pairs: spec.pairs, policy: NO_RECONNECT, concurrency: 32 })
  const N = spec.operations
  const ops: OpCost[] = []
  const storage: StorageRun = { instrumented: true, ops: [], failures: [] }
  try {
    await runPhase(session, {
      messages: 5,
      window: 5,
      rate: null,
      bodyBytes: spec.bodyBytes,
      tag: `${spec.tag}w`,
      deadlineMs: 60_000,
      drainMs: 5_000,
      stallMs: 30_000,
    })
    await settle(server.pgid)
    const idle0 = sampleGroup(server.pgid)
    await new Promise((r) => setTimeout(r, 3_000))
    const idle1 = sampleGroup(server.pgid)
    const idleCores = round2((idle1.cpuS - idle0.cpuS) / ((idle1.at - idle0.at) / 1000))
    const own = session.members.map(() => new Array<number>(N).fill(0))
    const deadlineMs = 120_000 + N * spec.pairs * 2 * 30
    const storageBefore = probeUrl ? await readProbe(probeUrl, counters) : null
    let before = storageBefore

    const record = async (op: OpName, operations: number, cost: Promise<OpCost>) => {
      const result = await cost
      ops.push(result)
      if (!probeUrl || !before) return
      const after = await readProbe(probeUrl, counters)
      if (!Object.values(after).every((c) => c.instrumented)) storage.instrumented = false
      storage.ops.push(storageDelta(op, operations, before, after))
      if (result.endedBy !== 'complete') storage.failures.push(`${op}: ${result.endedBy}`)
      before = after
    }

    // Sends: the load generator's own phase, recording each message's seq.
    const pad = 'x'.repeat(Math.max(1, spec.bodyBytes - 6))
    await record(
      'send',
      2 * spec.pairs * N,
      measure(server.pgid, idleCores, 'send', 2 * spec.pairs * N, async () => {
        const acks = new LatencyRecorder(2 * spec.pairs * N)
        const phase = await runPhase(session, {
          messages: N,
          window: spec.window,
          rate: null,
          bodyBytes: spec.bodyBytes,
          tag: spec.tag,
          deadlineMs,
          drainMs: 10_000,
          stallMs: 60_000,
          hooks: {
            ownAck: (member, k, m, now, sentAt) => {
              own[member.index]![k] = m.seq
              acks.add(now - sentAt)
            },
          },
        })
        return {
          acked: 2 * spec.pairs * N - phase.correctness.unacked,
          delivered: phase.delivered,
          durationS: phase.durationS,
          ack: acks.summary(),
          peer: phase.latencyMs,
          endedBy: phase.endedBy === 'complete' ? 'complete' : phase.endedBy === 'deadline' ? 'deadline' : 'stall',
        }
      }),
    )
    log(describeOp(ops.at(-1)!))
    if (ops[0]!.endedBy !== 'complete') throw new Error(`sends did not complete (${ops[0]!.endedBy})`)

    // Edits: each member edits each of its messages once, to a body of the same size.
    const edits = session.members.map((member) =>
      own[member.index]!.map((seq, k): Op => {
        const body = `${k} edited ${pad}`.slice(0, Math.max(spec.bodyBytes, 10)).trim()
        return { member, seq, frame: JSON.stringify({ type: 'edit', seq, body }), done: (m) => m.body === body }
      }),
    )
    await record(
      'edit',
      2 * spec.pairs * N,
      measure(server.pgid, idleCores, 'edit', 2 * spec.pairs * N, () =>
        runOps(session, edits, spec.window, deadlineMs),
      ),
    )
    log(describeOp(ops.at(-1)!))

    // Reactions: each member reacts to each of its peer's messages.
    const reactions = session.members.map((member) =>
      own[member.index ^ 1]!.map(
        (seq): Op => ({
          member,
          seq,
          frame: JSON.stringify({ type: 'react', seq, emoji: EMOJI, on: true }),
          done: (m) => (m.reactions?.[EMOJI] ?? []).includes(member.id),
        }),
      ),
    )
    await record(
      'react',
      2 * spec.pairs * N,
      measure(server.pgid, idleCores, 'react', 2 * spec.pairs * N, () =>
        runOps(session, reactions, spec.window, deadlineMs),
      ),
    )
    log(describeOp(ops.at(-1)!))
    await markAllRead(session, 10_000)
    return { ops, idleCores, storage: probeUrl ? storage : null }
  } finally {
    await session.close()
  }
}

interface PhaseOutcome {
  acked: number
  delivered: number
  durationS: number
  ack: Percentiles
  peer: Percentiles
  endedBy: OpCost['endedBy']
}

/** Runs a phase between two /proc samples, then waits (bounded) for the server to be idle. */
async function measure(
  pgid: number | undefined,
  idleCores: number,
  op: OpName,
  operations: number,
  run: () => Promise<PhaseOutcome>,
): Promise<OpCost> {
  const cpu0 = process.cpuUsage()
  const s0 = sampleGroup(pgid)
  const busy0 = machineBusyS()
  const outcome = await run()
  const s1 = sampleGroup(pgid)
  const busy = machineBusyS() - busy0
  const cpu = process.cpuUsage(cpu0)
  const generatorCpuS = (cpu.user + cpu.system) / 1e6
  const wallS = (s1.at - s0.at) / 1000
  await settle(pgid)
  const s2 = sampleGroup(pgid)
  const cpuS = s1.cpuS - s0.cpuS
  const settleCpuS = s2.cpuS - s1.cpuS
  const settleS = (s2.at - s1.at) / 1000
  const settleWorkS = Math.max(0, settleCpuS - idleCores * settleS)
  const perOp = (s: number) => (operations > 0 ? Math.round((s * 1e6) / operations) / 1000 : 0)
  return {
    op,
    operations,
    acked: outcome.acked,
    delivered: outcome.delivered,
    durationS: outcome.durationS,
    deliveredPerS: outcome.durationS > 0 ? Math.round(outcome.delivered / outcome.durationS) : 0,
    ackLatencyMs: outcome.ack,
    peerLatencyMs: outcome.peer,
    cpuS: round2(cpuS),
    cpuMsPerOp: perOp(cpuS),
    settleS: round2(settleS),
    settleCpuS: round2(settleCpuS),
    cpuMsPerOpWithSettle: perOp(cpuS + settleWorkS),
    generatorCpuS: round2(generatorCpuS),
    otherCores: wallS > 0 ? round2(Math.max(0, busy - (s1.cpuS - s0.cpuS) - generatorCpuS) / wallS) : 0,
    endedBy: outcome.endedBy,
  }
}

/** Until the server's process group used under 0.05 s of CPU in half a second, at most `maxMs` (15 s). */
export async function settle(pgid: number | undefined, maxMs = SETTLE_MAX_MS): Promise<void> {
  const deadline = performance.now() + maxMs
  let before = sampleGroup(pgid)
  while (performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500))
    const now = sampleGroup(pgid)
    const busy = now.cpuS - before.cpuS
    before = now
    if (busy < 0.05) return
  }
}

/**
 * Every member works through its operations with at most `window` unacknowledged: an
 * operation is acknowledged by the sender's own socket showing it done, delivered by the
 * peer's. Closed loop, no reconnects (the cost run has no faults).
 */
function runOps(session: Session, ops: Op[][], window: number, deadlineMs: number): Promise<PhaseOutcome> {
  const W = Math.max(1, window)
  const total = ops.reduce((n, list) => n + list.length, 0)
  const ack = new LatencyRecorder(total)
  const peer = new LatencyRecorder(total)
  const state = session.members.map((member) => ({
    member,
    next: 0,
    inflight: 0,
    /** By seq: the operation this member has out, and when it went. */
    mine: new Map<number, { op: Op; at: number }>(),
    /** By seq: the peer's operations this member has not seen done yet. */
    theirs: new Map<number, { op: Op; at: number }>(),
  }))
  let acked = 0
  let delivered = 0
  let firstAt = 0
  let lastDeliveryAt = 0
  const start = performance.now()

  const pump = (s: (typeof state)[number], now: number) => {
    const list = ops[s.member.index]!
    while (s.next < list.length && s.inflight < W) {
      const op = list[s.next]!
      if (!s.member.chat.send(op.frame)) return
      if (firstAt === 0) firstAt = now
      s.mine.set(op.seq, { op, at: now })
      state[s.member.index ^ 1]!.theirs.set(op.seq, { op, at: now })
      s.next++
      s.inflight++
    }
  }

  const onUpdate = (s: (typeof state)[number], m: Message) => {
    const now = performance.now()
    const own = s.mine.get(m.seq)
    if (own?.op.done(m)) {
      s.mine.delete(m.seq)
      s.inflight--
      acked++
      ack.add(now - own.at)
      pump(s, now)
    }
    const other = s.theirs.get(m.seq)
    if (other?.op.done(m)) {
      s.theirs.delete(m.seq)
      delivered++
      lastDeliveryAt = now
      peer.add(now - other.at)
    }
  }

  for (const s of state) {
    s.member.chat.sink = {
      ready() {},
      message() {},
      frame: (f) => {
        if (f.type === 'update') onUpdate(s, (f as unknown as { message: Message }).message)
      },
    }
  }

  return new Promise((resolve) => {
    const now0 = performance.now()
    for (const s of state) pump(s, now0)
    let mark = -1
    let lastProgress = now0
    const timer = setInterval(() => {
      const now = performance.now()
      const end = (endedBy: OpCost['endedBy']) => {
        clearInterval(timer)
        for (const s of state) s.member.chat.sink = { ready() {}, message() {}, frame() {} }
        const durationS = firstAt > 0 && lastDeliveryAt > firstAt ? (lastDeliveryAt - firstAt) / 1000 : 0
        resolve({
          acked,
          delivered,
          durationS: round2(durationS),
          ack: ack.summary(),
          peer: peer.summary(),
          endedBy,
        })
      }
      if (acked === total && delivered === total) return end('complete')
      if (acked + delivered !== mark) {
        mark = acked + delivered
        lastProgress = now
      }
      if (now - lastProgress > 30_000) return end('stall')
      if (now - start > deadlineMs) return end('deadline')
    }, 10)
  })
}

type ProbeTotals = Record<
  string,
  ClassStorage & {
    instrumented: boolean
    byStatement: Record<string, { count: number; rowsWritten: number }>
  }
>

async function readProbe(baseUrl: string, counters: NetCounters): Promise<ProbeTotals> {
  const res = await requestJson<ProbeTotals>(counters, `${baseUrl}/api/__bench/storage`)
  if (res.status !== 200 || !res.body) throw new Error(`the storage probe answered ${res.status}`)
  return res.body
}

function storageDelta(op: OpName, operations: number, before: ProbeTotals, after: ProbeTotals): StorageCost {
  const per = (n: number) => Math.round((n / operations) * 100) / 100
  const perOp: Record<string, ClassStorage> = {}
  const statements: StorageCost['statements'] = []
  for (const [cls, a] of Object.entries(after)) {
    const b = before[cls]
    const d = (k: keyof ClassStorage) => a[k] - (b?.[k] ?? 0)
    perOp[cls] = {
      statements: per(d('statements')),
      rowsRead: per(d('rowsRead')),
      rowsWritten: per(d('rowsWritten')),
      transactions: per(d('transactions')),
      alarmsSet: per(d('alarmsSet')),
      alarmsDeleted: per(d('alarmsDeleted')),
      databaseBytes: Math.round(d('databaseBytes') / operations),
    }
    for (const [statement, s] of Object.entries(a.byStatement)) {
      const prev = b?.byStatement[statement]
      const count = s.count - (prev?.count ?? 0)
      if (count / operations < 0.01) continue
      statements.push({
        className: cls,
        statement,
        perOp: per(count),
        rowsWrittenPerOp: per(s.rowsWritten - (prev?.rowsWritten ?? 0)),
      })
    }
  }
  statements.sort((x, y) => x.className.localeCompare(y.className) || y.perOp - x.perOp)
  return { op, operations, perOp, statements }
}
