// Idle scale: N signed-in users each hold a chat socket and a notifications socket under
// one `wrangler dev`. Reports workerd's resident memory per connected user (awake, then
// after idling past hibernation), the first message after the idle time (the rooms wake),
// a second message right after (awake), and pings answered while asleep.

import type { Message } from '../../protocol/api.ts'
import { PING_FRAME } from '../../protocol/frames.ts'
import { NO_RECONNECT } from '../load/client.ts'
import { openSession, type Session } from '../load/session.ts'
import { LatencyRecorder, NetCounters, type NetSnapshot, type Percentiles, round2 } from '../load/stats.ts'
import type { Target } from '../load/targets.ts'
import { type GroupSample, sampleGroup } from '../servers/process-group.ts'

export interface IdleRun {
  users: number
  pairs: number
  sockets: number
  connectS: number
  idleSeconds: number
  workerdRssMiB: { baseline: number; connected: number; afterIdle: number; afterWake: number }
  perUserKiB: { connected: number; afterIdle: number }
  /** Sockets that closed while they should have idled. */
  closedWhileIdle: number
  /** First message after idling, one sampled pair at a time: send → peer receives. */
  firstMessageMs: Percentiles
  /** The same pairs' next message, right after: the room is awake. */
  awakeMessageMs: Percentiles
  /** The peer's notifications socket hearing of the first message (`conversation` frame). */
  firstConversationFrameMs: Percentiles
  /** Every socket pinged at once after the wake test: answered by the runtime, rooms asleep. */
  pingMs: Percentiles
  net: NetSnapshot
}

const SETTLE_MS = 3_000
const WAIT_MS = 10_000

export async function runIdle(
  target: Target,
  pgid: number | undefined,
  users: number,
  idleSeconds: number,
  wakeSample: number,
  log: (line: string) => void,
): Promise<IdleRun> {
  const pairs = Math.ceil(users / 2)
  const counters = new NetCounters()
  await sleep(SETTLE_MS)
  const baseline = sampleGroup(pgid)
  const t0 = performance.now()
  const session = await openSession(target, counters, {
    pairs,
    policy: NO_RECONNECT,
    withNotifications: true,
    concurrency: 32,
  })
  try {
    const connectS = round2((performance.now() - t0) / 1000)
    log(`idle: ${pairs * 2} users connected (${pairs * 4} sockets) in ${connectS} s`)
    await sleep(SETTLE_MS)
    const connected = sampleGroup(pgid)
    const closesBefore = closeCount(counters)
    log(`idle: workerd RSS ${mib(baseline)} → ${mib(connected)} MiB; idling ${idleSeconds} s`)
    await sleep(idleSeconds * 1000)
    const afterIdle = sampleGroup(pgid)
    const closedWhileIdle = closeCount(counters) - closesBefore

    const first = new LatencyRecorder(wakeSample)
    const awake = new LatencyRecorder(wakeSample)
    const conversation = new LatencyRecorder(wakeSample)
    const step = Math.max(1, Math.floor(pairs / Math.max(1, wakeSample)))
    for (let i = 0, pair = 0; i < wakeSample && pair < pairs; i++, pair += step) {
      const [msg, note] = await messageOnce(session, pair, `idle-${Date.now().toString(36)}-${i}`)
      if (msg !== null) first.add(msg)
      if (note !== null) conversation.add(note)
      const [again] = await messageOnce(session, pair, `awake-${Date.now().toString(36)}-${i}`)
      if (again !== null) awake.add(again)
    }
    const pingMs = await pingAll(session)
    const afterWake = sampleGroup(pgid)
    const run: IdleRun = {
      users: pairs * 2,
      pairs,
      sockets: pairs * 4,
      connectS,
      idleSeconds,
      workerdRssMiB: {
        baseline: mib(baseline),
        connected: mib(connected),
        afterIdle: mib(afterIdle),
        afterWake: mib(afterWake),
      },
      perUserKiB: {
        connected: Math.round(((connected.workerdRssMiB - baseline.workerdRssMiB) * 1024) / (pairs * 2)),
        afterIdle: Math.round(((afterIdle.workerdRssMiB - baseline.workerdRssMiB) * 1024) / (pairs * 2)),
      },
      closedWhileIdle,
      firstMessageMs: first.summary(),
      awakeMessageMs: awake.summary(),
      firstConversationFrameMs: conversation.summary(),
      pingMs,
      net: counters.snapshot(),
    }
    log(
      `idle: ${run.perUserKiB.connected} KiB/user connected, ${run.perUserKiB.afterIdle} KiB/user after idling; ` +
        `first message p50 ${run.firstMessageMs.p50} ms max ${run.firstMessageMs.max} ms ` +
        `(awake p50 ${run.awakeMessageMs.p50} ms); ping p50 ${pingMs.p50} ms; ${closedWhileIdle} closed while idle`,
    )
    return run
  } finally {
    await session.close()
  }
}

/**
 * One message from member A of `pair` to B: ms until B's chat socket has it, and until
 * B's notifications socket hears of the changed conversation (null on timeout).
 */
function messageOnce(session: Session, pair: number, clientId: string): Promise<[number | null, number | null]> {
  const a = session.members[2 * pair]!
  const b = session.members[2 * pair + 1]!
  return new Promise((resolve) => {
    let message: number | null = null
    let note: number | null = null
    const sentAt = performance.now()
    const finish = () => {
      clearTimeout(timer)
      b.chat.sink = { ready() {}, message() {}, frame() {} }
      if (b.notifications) b.notifications.sink = { ready() {}, message() {}, frame() {} }
      resolve([message, note])
    }
    const timer = setTimeout(finish, WAIT_MS)
    const check = () => {
      if (message !== null && (note !== null || !b.notifications)) finish()
    }
    b.chat.sink = {
      ready() {},
      message: (m: Message) => {
        if (m.clientId !== clientId || message !== null) return
        message = performance.now() - sentAt
        check()
      },
      frame() {},
    }
    if (b.notifications) {
      b.notifications.sink = {
        ready() {},
        message() {},
        frame: (f) => {
          if (f.type !== 'conversation' || note !== null) return
          note = performance.now() - sentAt
          check()
        },
      }
    }
    if (!a.chat.send(JSON.stringify({ type: 'send', clientId, body: `wake ${clientId}` }))) finish()
  })
}

/** Pings every socket at once with the exact bytes the runtime answers by itself. */
function pingAll(session: Session): Promise<Percentiles> {
  const sockets = session.members.flatMap((m) => (m.notifications ? [m.chat, m.notifications] : [m.chat]))
  const latency = new LatencyRecorder(sockets.length)
  return new Promise((resolve) => {
    let waiting = sockets.length
    const done = () => {
      clearTimeout(timer)
      for (const s of sockets) s.sink = { ready() {}, message() {}, frame() {} }
      resolve(latency.summary())
    }
    const timer = setTimeout(done, WAIT_MS)
    const sentAt = performance.now()
    for (const s of sockets) {
      s.sink = {
        ready() {},
        message() {},
        frame: (f) => {
          if (f.type !== 'pong') return
          s.sink = { ready() {}, message() {}, frame() {} }
          latency.add(performance.now() - sentAt)
          if (--waiting === 0) done()
        },
      }
      if (!s.send(PING_FRAME)) waiting--
    }
    if (waiting === 0) done()
  })
}

function closeCount(counters: NetCounters): number {
  return Object.values(counters.closes).reduce((a, b) => a + b, 0)
}

function mib(s: GroupSample): number {
  return Math.round(s.workerdRssMiB)
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
