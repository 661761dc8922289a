// One load phase over an open session: every member sends M messages to its peer with at
// most `window` unacknowledged (its own `message` echo is the acknowledgement), optionally
// at a fixed rate, and every delivery to the peer is checked: latency, loss, duplicates,
// order by seq and order by body. After a reconnect, a member resends what was never
// acknowledged with the same clientId, which Parley stores at most once.
import type { Message } from '../../protocol/api.ts'
import type { ReadyFrame, SocketSink } from './client.ts'
import type { Member, Session } from './session.ts'
import { LatencyRecorder, type Percentiles, round2 } from './stats.ts'

export interface PhaseOptions {
  /** Messages each member sends. */
  messages: number
  /** Unacknowledged messages a member may have in flight. */
  window: number
  /** Messages per second per member; null sends as fast as the window allows. */
  rate: number | null
  bodyBytes: number
  /** Names this phase's clientIds, so late frames of another phase are told apart. */
  tag: string
  deadlineMs: number
  /** Once everything is acknowledged, how long the last deliveries may take. */
  drainMs: number
  /** Without any acknowledgement or delivery for this long, the phase ends. */
  stallMs: number
  /** Fault runs: each member marks what it received read every this many deliveries. */
  readEvery?: number
  /** Called on every tick with the time since the first send: faults hook in here. */
  onTick?: (elapsedMs: number, phase: PhaseProgress) => void
  /** More work riding on the same frames: fault runs change messages (changes.ts), the cost run records seqs. */
  hooks?: PhaseHooks
}

export interface PhaseProgress {
  acked: number
  delivered: number
  total: number
  /** Work the hooks still wait for (changes not yet acknowledged). */
  pending: number
}

/** What a phase tells its hooks; every call carries `performance.now()`. */
export interface PhaseHooks {
  /** The member's own message `k` of this phase was acknowledged (its first echo) as `m`; first sent at `sentAt`. */
  ownAck?(member: Member, k: number, m: Message, now: number, sentAt: number): void
  /** The member received its peer's message `k` for the first time, as `m`. */
  delivered?(member: Member, k: number, m: Message, now: number): void
  /** Every `message` frame on the member's socket, before the phase looks at it. */
  message?(member: Member, m: Message, now: number): void
  /** Every other frame after `ready` (`update`, `error`, `read`, …). */
  frame?(member: Member, f: { type: string; [k: string]: unknown }, now: number): void
  /** A (re)connected socket's `ready`, after the phase resent its unacknowledged messages. */
  ready?(member: Member, frame: ReadyFrame, now: number): void
  tick?(now: number): void
  /** Work still awaited: the phase is not complete while this is above 0. */
  outstanding?(): number
  /** Grows with each acknowledgement the hooks see, so a phase busy with them is not stalled. */
  progress?(): number
}

export interface Correctness {
  /** Messages the peer never received. */
  lost: number
  /** Deliveries to the peer of a message it already had. */
  duplicated: number
  /** Deliveries whose seq is below one delivered before them (from the same sender). */
  reorderedBySeq: number
  /** Deliveries whose body number is below one delivered before them: seqs assigned out of send order. */
  reorderedByBody: number
  /** Deliveries whose body is not the one sent under that clientId. */
  bodyMismatch: number
  /** Messages the sender never saw acknowledged. */
  unacked: number
  /** Seqs a member never saw below the highest it saw (the contract promises no gaps). */
  gaps: number
  /** Seqs beyond the messages this phase sent: something was stored twice. */
  extraSeqs: number
  /** Reconnects whose `ready.readUpTo` was below a read the member had seen acknowledged. */
  readRegressions: number
  /** Reconnects whose `ready.lastSeq` was below a seq the member had already seen: acknowledged messages lost. */
  rewinds: number
  /** Reconnects whose `ready.lastRev` was below a rev the member had already seen: acknowledged changes lost. */
  revRewinds: number
  /** Live frames bringing news with a rev below one already received on the same connection (LiveSocket.revInversions). */
  revInversions: number
  /** Senders with any problem above, at most 20 listed. */
  senders: SenderIssue[]
}

export interface SenderIssue {
  member: number
  lost: number
  duplicated: number
  reorderedBySeq: number
  reorderedByBody: number
  unacked: number
}

export interface PhaseResult {
  pairs: number
  messagesPerMember: number
  window: number
  rate: number | null
  bodyBytes: number
  /** Frames written, resends included. */
  sentFrames: number
  resent: number
  delivered: number
  /** First send to last first-delivery, seconds. */
  durationS: number
  deliveredPerS: number
  latencyMs: Percentiles
  correctness: Correctness
  endedBy: 'complete' | 'drain' | 'stall' | 'deadline'
}

/** The outgoing side of one member during a phase, and what its peer received of it. */
interface Outgoing {
  member: Member
  prefix: string
  next: number
  ackFloor: number
  inflight: number
  acked: Uint8Array
  ackedCount: number
  sendTimes: Float64Array
  /** When message 0 is due in rate mode (spread so members do not send in lockstep). */
  dueStart: number
  received: Uint8Array
  receivedCount: number
  duplicated: number
  lastSeqSeen: number
  maxBodySeen: number
  reorderedBySeq: number
  reorderedByBody: number
  bodyMismatch: number
  // About this member's own socket:
  base: number
  seen: Uint8Array
  maxRel: number
  extraSeqs: number
  readRegressions: number
  rewinds: number
  revRewindsAtStart: number
  revInversionsAtStart: number
  sinceRead: number
}

export async function runPhase(session: Session, opts: PhaseOptions): Promise<PhaseResult> {
  const M = opts.messages
  const W = Math.max(1, opts.window)
  const members = session.members
  const total = members.length * M
  const interval = opts.rate ? 1000 / opts.rate : 0
  const pad = 'x'.repeat(Math.max(1, opts.bodyBytes - 6))
  const latency = new LatencyRecorder(total)
  let sentFrames = 0
  let resent = 0
  let ackedTotal = 0
  let deliveredTotal = 0
  let firstSendAt = 0
  let lastDeliveryAt = 0
  const start = performance.now()

  const out: Outgoing[] = members.map((member) => ({
    member,
    prefix: `${opts.tag}.`,
    next: 0,
    ackFloor: 0,
    inflight: 0,
    acked: new Uint8Array(M),
    ackedCount: 0,
    sendTimes: new Float64Array(M),
    dueStart: start + Math.random() * interval,
    received: new Uint8Array(M),
    receivedCount: 0,
    duplicated: 0,
    lastSeqSeen: -1,
    maxBodySeen: -1,
    reorderedBySeq: 0,
    reorderedByBody: 0,
    bodyMismatch: 0,
    base: Math.max(0, member.chat.lastSeq),
    seen: new Uint8Array(2 * M),
    maxRel: 0,
    extraSeqs: 0,
    readRegressions: 0,
    rewinds: 0,
    revRewindsAtStart: member.chat.revRewinds,
    revInversionsAtStart: member.chat.revInversions,
    sinceRead: 0,
  }))
  const hooks = opts.hooks ?? {}

  // The frame is written by hand: its parts are plain ASCII, and this is the hot path.
  const sendOne = (o: Outgoing, k: number, now: number) => {
    const frame = `{"type":"send","clientId":"${o.prefix}${k}","body":"${k} ${pad}"}`
    if (!o.member.chat.send(frame)) return false
    if (o.sendTimes[k] === 0) o.sendTimes[k] = now
    else resent++
    if (firstSendAt === 0) firstSendAt = now
    sentFrames++
    return true
  }

  const pump = (o: Outgoing, now: number) => {
    while (o.next < M && o.inflight < W) {
      if (interval > 0 && now < o.dueStart + o.next * interval) return
      if (!sendOne(o, o.next, now)) return
      o.next++
      o.inflight++
    }
  }

  const onReady = (o: Outgoing, ready: ReadyFrame) => {
    if ((ready.readUpTo[o.member.id] ?? 0) < o.member.readAcked) o.readRegressions++
    if (ready.lastSeq < o.member.chat.lastSeq) o.rewinds++
    const now = performance.now()
    for (let k = o.ackFloor; k < o.next; k++) if (o.acked[k] === 0) sendOne(o, k, now)
    pump(o, now)
    hooks.ready?.(o.member, ready, now)
  }

  const onMessage = (o: Outgoing, m: Message) => {
    const now = performance.now()
    hooks.message?.(o.member, m, now)
    const rel = m.seq - o.base
    if (rel > 2 * M) o.extraSeqs = Math.max(o.extraSeqs, rel - 2 * M)
    else if (rel > 0) {
      o.seen[rel - 1] = 1
      if (rel > o.maxRel) o.maxRel = rel
    }
    const clientId = m.clientId
    if (m.senderId === o.member.id) {
      if (!clientId.startsWith(o.prefix)) return
      const k = Number(clientId.slice(o.prefix.length))
      if (!(k >= 0 && k < M) || o.acked[k] === 1) return
      o.acked[k] = 1
      o.ackedCount++
      ackedTotal++
      o.inflight--
      while (o.ackFloor < o.next && o.acked[o.ackFloor] === 1) o.ackFloor++
      pump(o, now)
      hooks.ownAck?.(o.member, k, m, now, o.sendTimes[k]!)
      return
    }
    const from = out[o.member.index ^ 1]!
    if (m.senderId !== from.member.id || !clientId.startsWith(from.prefix)) return
    const k = Number(clientId.slice(from.prefix.length))
    if (!(k >= 0 && k < M)) return
    if (from.received[k] === 1) {
      from.duplicated++
      return
    }
    from.received[k] = 1
    from.receivedCount++
    deliveredTotal++
    lastDeliveryAt = now
    latency.add(now - from.sendTimes[k]!)
    if (m.seq < from.lastSeqSeen) from.reorderedBySeq++
    else from.lastSeqSeen = m.seq
    // A message first seen in a replay may be edited ("<k> edited") or deleted (no body).
    if (!m.deletedAt) {
      const body = Number.parseInt(m.body, 10)
      if (body !== k) from.bodyMismatch++
      if (body < from.maxBodySeen) from.reorderedByBody++
      else from.maxBodySeen = body
    }
    hooks.delivered?.(o.member, k, m, now)
    if (opts.readEvery && ++o.sinceRead >= opts.readEvery) {
      o.sinceRead = 0
      o.member.chat.send(`{"type":"read","upTo":${o.member.chat.lastSeq}}`)
    }
  }

  const onFrame = (o: Outgoing, f: { type: string; [k: string]: unknown }) => {
    hooks.frame?.(o.member, f, performance.now())
    if (f.type === 'read' && f.userId === o.member.id && typeof f.upTo === 'number' && f.upTo > o.member.readAcked) {
      o.member.readAcked = f.upTo
    }
  }

  for (const o of out) {
    o.member.chat.sink = {
      ready: (frame) => onReady(o, frame),
      message: (m) => onMessage(o, m),
      frame: (f) => onFrame(o, f),
    } satisfies SocketSink
  }

  const endedBy = await new Promise<PhaseResult['endedBy']>((resolve) => {
    const now0 = performance.now()
    for (const o of out) pump(o, now0)
    let drainSince = 0
    let lastProgress = now0
    let progressMark = 0
    // Rate mode needs a fine tick to send on time; otherwise acks drive sending.
    const timer = setInterval(
      () => {
        const now = performance.now()
        if (interval > 0) for (const o of out) pump(o, now)
        hooks.tick?.(now)
        const pending = hooks.outstanding?.() ?? 0
        opts.onTick?.(now - start, { acked: ackedTotal, delivered: deliveredTotal, total, pending })
        const end = (why: PhaseResult['endedBy']) => {
          clearInterval(timer)
          resolve(why)
        }
        if (ackedTotal === total && deliveredTotal === total && pending === 0) return end('complete')
        const mark = ackedTotal + deliveredTotal + (hooks.progress?.() ?? 0)
        if (mark !== progressMark) {
          progressMark = mark
          lastProgress = now
        }
        if (ackedTotal === total && drainSince === 0) drainSince = now
        if (drainSince > 0 && now - drainSince > opts.drainMs) return end('drain')
        if (now - lastProgress > opts.stallMs) return end('stall')
        if (now - start > opts.deadlineMs) return end('deadline')
      },
      interval > 0 ? 2 : 10,
    )
  })

  // Frames arriving after the phase only move the socket's lastSeq.
  for (const o of out) o.member.chat.sink = { ready() {}, message() {}, frame() {} }

  const durationS = firstSendAt > 0 && lastDeliveryAt > firstSendAt ? (lastDeliveryAt - firstSendAt) / 1000 : 0
  return {
    pairs: members.length / 2,
    messagesPerMember: M,
    window: W,
    rate: opts.rate,
    bodyBytes: opts.bodyBytes,
    sentFrames,
    resent,
    delivered: deliveredTotal,
    durationS: round2(durationS),
    deliveredPerS: durationS > 0 ? Math.round(deliveredTotal / durationS) : 0,
    latencyMs: latency.summary(),
    correctness: correctnessOf(out, M),
    endedBy,
  }
}

function correctnessOf(out: Outgoing[], M: number): Correctness {
  const c: Correctness = {
    lost: 0,
    duplicated: 0,
    reorderedBySeq: 0,
    reorderedByBody: 0,
    bodyMismatch: 0,
    unacked: 0,
    gaps: 0,
    extraSeqs: 0,
    readRegressions: 0,
    rewinds: 0,
    revRewinds: 0,
    revInversions: 0,
    senders: [],
  }
  for (const o of out) {
    const lost = M - o.receivedCount
    const unacked = M - o.ackedCount
    c.lost += lost
    c.unacked += unacked
    c.duplicated += o.duplicated
    c.reorderedBySeq += o.reorderedBySeq
    c.reorderedByBody += o.reorderedByBody
    c.bodyMismatch += o.bodyMismatch
    c.extraSeqs += o.extraSeqs
    c.readRegressions += o.readRegressions
    c.rewinds += o.rewinds
    c.revRewinds += o.member.chat.revRewinds - o.revRewindsAtStart
    c.revInversions += o.member.chat.revInversions - o.revInversionsAtStart
    for (let i = 0; i < o.maxRel; i++) if (o.seen[i] === 0) c.gaps++
    const bad = lost + unacked + o.duplicated + o.reorderedBySeq + o.reorderedByBody
    if (bad > 0 && c.senders.length < 20) {
      c.senders.push({
        member: o.member.index,
        lost,
        duplicated: o.duplicated,
        reorderedBySeq: o.reorderedBySeq,
        reorderedByBody: o.reorderedByBody,
        unacked,
      })
    }
  }
  return c
}

/** True when the phase met the requirement: nothing lost, duplicated or out of order. */
export function isCorrect(c: Correctness): boolean {
  return (
    c.lost === 0 &&
    c.duplicated === 0 &&
    c.reorderedBySeq === 0 &&
    c.reorderedByBody === 0 &&
    c.bodyMismatch === 0 &&
    c.unacked === 0 &&
    c.gaps === 0 &&
    c.extraSeqs === 0 &&
    c.readRegressions === 0 &&
    c.rewinds === 0 &&
    (c.revRewinds ?? 0) === 0
  )
}
