// Fault runs against Parley: (a) restart, the whole `wrangler dev` process group killed
// mid-run and started again on the same port and state; (b) chaos, clients dropping their
// own sockets at random. Clients reconnect with backoff and jitter, resume with
// `?after=<last seq>&since=<highest rev>`, resend what was never acknowledged under the
// same clientId, mark messages read as they go, and edit, delete and react meanwhile
// (changes.ts), resending those too until the matching state arrives. The run must end
// with nothing lost, duplicated or reordered, the read state the server acknowledged,
// every acknowledged change in the final state, and both members' views equal to the
// history route (views.ts).
import type { Message } from '../../protocol/api.ts'
import { type ChangeCheck, ChangeDriver } from '../load/changes.ts'
import { NO_RECONNECT, type ReconnectPolicy } from '../load/client.ts'
import { isCorrect, type PhaseResult, runPhase } from '../load/generator.ts'
import { inPool } from '../load/http.ts'
import { markAllRead } from '../load/reads.ts'
import { openSession, type Session } from '../load/session.ts'
import { NetCounters, type NetSnapshot } from '../load/stats.ts'
import type { Target } from '../load/targets.ts'
import { compareViews, fetchHistory, type PairSources, type ViewCheck, type ViewDiff } from '../load/views.ts'
import type { ParleyServer } from '../servers/parley.ts'

export interface FaultSpec {
  kind: 'restart' | 'chaos'
  pairs: number
  messages: number
  window: number
  rate: number
  bodyBytes: number
  tag: string
  killAfterMs: number
  dropsPerSecond: number
}

export interface ReadCheck {
  /** Members whose final read the room confirmed handling (a ping sent after it was answered). */
  acknowledged: number
  /** Fresh sockets whose `ready.readUpTo` differed from the reads sent (own or peer's entry). */
  mismatches: number
  /** Fresh sockets whose `ready.lastSeq` differed from the last seq the clients saw. */
  lastSeqMismatches: number
  members: number
}

export interface FaultRun {
  kind: FaultSpec['kind']
  pairs: number
  messagesPerMember: number
  rate: number
  window: number
  phase: PhaseResult
  restart?: { killedAtMs: number; downMs: number; error?: string }
  chaos?: { dropsPerSecond: number; drops: number }
  readCheck: ReadCheck
  /** Edits, deletions and reactions made during the run, checked against the final state. */
  changes?: ChangeCheck
  /** Both members' views against the history route and each other. */
  views?: ViewCheck
  net: NetSnapshot
  correct: boolean
}

const RESUMING: ReconnectPolicy = {
  enabled: true,
  resume: true,
  since: true,
  baseMs: 100,
  capMs: 2_000,
  maxAttempts: 60,
}
const CHAOS_RECONNECT: ReconnectPolicy = { ...RESUMING, baseMs: 50 }

export async function runFault(
  target: Target,
  server: ParleyServer,
  spec: FaultSpec,
  log: (line: string) => void,
): Promise<FaultRun> {
  const counters = new NetCounters()
  const policy = spec.kind === 'chaos' ? CHAOS_RECONNECT : RESUMING
  const session = await openSession(target, counters, { pairs: spec.pairs, policy, concurrency: 16, views: true })
  const changes = new ChangeDriver()
  let restart: FaultRun['restart']
  let restarting: Promise<void> | null = null
  let drops = 0
  let phase: PhaseResult
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
    let owed = 0
    let lastTick = 0
    phase = await runPhase(session, {
      messages: spec.messages,
      window: spec.window,
      rate: spec.rate,
      bodyBytes: spec.bodyBytes,
      tag: spec.tag,
      readEvery: 10,
      hooks: changes,
      deadlineMs: 180_000,
      drainMs: 30_000,
      stallMs: 90_000,
      onTick: (elapsed, progress) => {
        if (spec.kind === 'restart') {
          if (restarting || elapsed < spec.killAfterMs) return
          const killedAt = performance.now()
          log(`restart: killing wrangler dev at ${Math.round(elapsed)} ms (${progress.acked}/${progress.total} acked)`)
          restart = { killedAtMs: Math.round(elapsed), downMs: 0 }
          const current = restart
          restarting = server.restart().then(
            () => {
              current.downMs = Math.round(performance.now() - killedAt)
              log(`restart: healthy again after ${current.downMs} ms`)
            },
            (err: unknown) => {
              current.error = String(err)
            },
          )
          return
        }
        // Chaos: drops spread evenly over time, each on a member picked at random.
        if (progress.acked === progress.total && progress.pending === 0) return
        owed += ((elapsed - lastTick) / 1000) * spec.dropsPerSecond
        lastTick = elapsed
        while (owed >= 1) {
          owed--
          const m = session.members[Math.floor(Math.random() * session.members.length)]!
          if (m.chat.isReady) {
            m.chat.drop(Math.random() < 0.5)
            drops++
          }
        }
      },
    })
    if (restarting) await restarting
  } catch (err) {
    await session.close()
    throw err
  }
  const readCheck = await checkReadState(session, target, counters)
  const { views, finalStates } = await checkViews(session, counters)
  const changeCheck = changes.check(finalStates)
  const run: FaultRun = {
    kind: spec.kind,
    pairs: spec.pairs,
    messagesPerMember: spec.messages,
    rate: spec.rate,
    window: spec.window,
    phase,
    readCheck,
    changes: changeCheck,
    views,
    net: counters.snapshot(),
    correct: false,
  }
  if (restart) run.restart = restart
  if (spec.kind === 'chaos') run.chaos = { dropsPerSecond: spec.dropsPerSecond, drops }
  run.correct =
    isCorrect(phase.correctness) &&
    phase.endedBy === 'complete' &&
    readCheck.mismatches === 0 &&
    readCheck.lastSeqMismatches === 0 &&
    readCheck.acknowledged === readCheck.members &&
    changesCorrect(changeCheck, views) &&
    !restart?.error
  const c = phase.correctness
  log(
    `${spec.kind}: ${phase.delivered}/${spec.messages * spec.pairs * 2} delivered in ${phase.durationS} s, ` +
      `lost ${c.lost} dup ${c.duplicated} reordered ${c.reorderedBySeq}/${c.reorderedByBody} gaps ${c.gaps} ` +
      `unacked ${c.unacked} resent ${phase.resent}, reconnects ${run.net.reconnects}, ` +
      `read check ${readCheck.acknowledged}/${readCheck.members} acked, ${readCheck.mismatches} mismatches ` +
      `(${phase.endedBy}) → ${run.correct ? 'OK' : 'FAILED'}`,
  )
  const ch = changeCheck
  log(
    `${spec.kind}: changes acked edit ${ch.acked.edit}/${ch.planned.edit} delete ${ch.acked.delete}/${ch.planned.delete} ` +
      `react ${ch.acked.react}/${ch.planned.react} unreact ${ch.acked.unreact}/${ch.planned.unreact}, ` +
      `refused ${JSON.stringify(ch.refused)}, superseded by a delete ${ch.superseded}, unacked ${ch.unacked}, ` +
      `resent ${ch.resent}, stray errors ${ch.strayErrors}, ` +
      `changes lost ${ch.lost}, phantom ${ch.phantom}; views differ on ${views.differing}/${views.messages} messages ` +
      `(view≠history ${views.viewVsHistory}, history≠history ${views.historyVsHistory}, view≠view ${views.viewVsView}), ` +
      `rev rewinds ${c.revRewinds}, live frames below a rev already seen ${c.revInversions}`,
  )
  // Where a view missed a change: the resume that went past it, and the revs its connection received last.
  for (const e of views.examples) {
    e.resumed = e.views.map((side) => {
      const m = session.members[2 * e.pair + side]!
      const past = m.chat.resumes.find((r) => r.since !== null && r.since >= e.rev)
      return past
        ? `member ${m.index} resumed with since=${past.since} after a connection whose last frames had revs ${past.lastRevs.join(', ')}`
        : `member ${m.index} never resumed past rev ${e.rev}`
    })
  }
  for (const line of [...ch.examples, ...views.examples.map(describeDiff)]) log(`  ${line}`)
  return run
}

export function describeDiff(e: ViewDiff): string {
  return `pair ${e.pair} seq ${e.seq} (history rev ${e.rev}): ${e.differs.join('; ')}${e.resumed ? `; ${e.resumed.join('; ')}` : ''}`
}

/** Every change acknowledged is in the final state, nothing unexplained is, and every view matches the history. */
export function changesCorrect(ch: ChangeCheck | undefined, views: ViewCheck | undefined): boolean {
  if (!ch || !views) return true
  return (
    ch.lost === 0 &&
    ch.phantom === 0 &&
    ch.missing === 0 &&
    ch.unacked === 0 &&
    ch.wronglyRefused === 0 &&
    views.differing === 0 &&
    views.historyErrors === 0 &&
    views.pairs > 0
  )
}

/**
 * After the run (sockets closed): each member's history, compared with both views. The
 * final state the changes are checked against is the history as member 0 of a pair reads it.
 */
async function checkViews(
  session: Session,
  counters: NetCounters,
): Promise<{ views: ViewCheck; finalStates: Map<number, Map<number, Message> | null> }> {
  const pairs = session.members.length / 2
  const sources: PairSources[] = []
  let stale = 0
  await inPool(
    Array.from({ length: pairs }, (_, i) => i),
    8,
    async (pair) => {
      const a = session.members[2 * pair]!
      const b = session.members[2 * pair + 1]!
      const after = Math.max(a.openedAt, b.openedAt)
      const read = (m: typeof a) => (m.history ? fetchHistory(m.history, after, counters) : Promise.resolve(null))
      const [ha, hb] = await Promise.all([read(a), read(b)])
      stale += (a.view?.stale ?? 0) + (b.view?.stale ?? 0)
      if (a.view && b.view) sources.push({ pair, after, views: [a.view, b.view], histories: [ha, hb] })
    },
  )
  sources.sort((x, y) => x.pair - y.pair)
  const finalStates = new Map<number, Map<number, Message> | null>()
  for (const s of sources) finalStates.set(s.pair, s.histories[0])
  return { views: compareViews(sources, stale), finalStates }
}

/** After marking everything read, fresh sockets must report exactly those reads, and the same lastSeq, in `ready`. */
async function checkReadState(session: Session, target: Target, counters: NetCounters): Promise<ReadCheck> {
  const { sent, acked: acknowledged } = await markAllRead(session, 15_000)
  const lastSeen = new Map<number, number>()
  for (const m of session.members) lastSeen.set(m.pair, Math.max(lastSeen.get(m.pair) ?? 0, m.chat.lastSeq))
  await session.close()

  const fresh = await openSession(target, counters, { pairs: session.members.length / 2, policy: NO_RECONNECT })
  let mismatches = 0
  let lastSeqMismatches = 0
  for (const m of fresh.members) {
    const ready = m.chat.lastReady
    const mine = sent.get(session.members[m.index]!)
    const theirs = sent.get(session.members[m.index ^ 1]!)
    if (ready?.readUpTo[m.id] !== mine || ready?.readUpTo[m.peerId] !== theirs) mismatches++
    if (ready?.lastSeq !== lastSeen.get(m.pair)) lastSeqMismatches++
  }
  await fresh.close()
  return { acknowledged, mismatches, lastSeqMismatches, members: session.members.length }
}
