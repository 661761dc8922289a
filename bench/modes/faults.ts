// Fault runs against Parley: (a) restart, the whole `wrangler dev` process group killed
// mid-run and started again on the same port and state; (b) chaos, clients dropping their
// own sockets at random. Clients reconnect with backoff and jitter, resume with
// `?after=`, resend what was never acknowledged under the same clientId, and mark
// messages read as they go. The run must end with nothing lost, duplicated or reordered,
// and with the read state the server acknowledged.
import { NO_RECONNECT, type ReconnectPolicy } from '../load/client.ts'
import { isCorrect, type PhaseResult, runPhase } from '../load/generator.ts'
import { markAllRead } from '../load/reads.ts'
import { openSession, type Session } from '../load/session.ts'
import { NetCounters, type NetSnapshot } from '../load/stats.ts'
import type { Target } from '../load/targets.ts'
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
  net: NetSnapshot
  correct: boolean
}

const RESUMING: ReconnectPolicy = { enabled: true, resume: true, baseMs: 100, capMs: 2_000, maxAttempts: 60 }
const CHAOS_RECONNECT: ReconnectPolicy = { ...RESUMING, baseMs: 50 }

export async function runFault(
  target: Target,
  server: ParleyServer,
  spec: FaultSpec,
  log: (line: string) => void,
): Promise<FaultRun> {
  const counters = new NetCounters()
  const policy = spec.kind === 'chaos' ? CHAOS_RECONNECT : RESUMING
  const session = await openSession(target, counters, { pairs: spec.pairs, policy, concurrency: 16 })
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
        if (progress.acked === progress.total) return
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
  const run: FaultRun = {
    kind: spec.kind,
    pairs: spec.pairs,
    messagesPerMember: spec.messages,
    rate: spec.rate,
    window: spec.window,
    phase,
    readCheck,
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
    !restart?.error
  const c = phase.correctness
  log(
    `${spec.kind}: ${phase.delivered}/${spec.messages * spec.pairs * 2} delivered in ${phase.durationS} s, ` +
      `lost ${c.lost} dup ${c.duplicated} reordered ${c.reorderedBySeq}/${c.reorderedByBody} gaps ${c.gaps} ` +
      `unacked ${c.unacked} resent ${phase.resent}, reconnects ${run.net.reconnects}, ` +
      `read check ${readCheck.acknowledged}/${readCheck.members} acked, ${readCheck.mismatches} mismatches ` +
      `(${phase.endedBy}) → ${run.correct ? 'OK' : 'FAILED'}`,
  )
  return run
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
