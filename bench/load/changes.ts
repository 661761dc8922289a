// Fault runs change messages while they send (issue 11): each member edits every
// `editEvery`-th of its own acknowledged messages (body "<n> edited"), deletes every
// `deleteEvery`-th, and reacts to every `reactEvery`-th of its peer's messages, taking
// every `unreactEvery`-th reaction off again once it is on. Changes queue like sends: one
// in flight per message and member (a later change of the same message waits for the
// earlier), resent after every reconnect until the matching state arrives (an `update`,
// or the message itself in a replay) or an `error` frame names that seq. At the end the
// acknowledged changes are checked against the history route: "changes lost" is an
// acknowledged change that the final state does not hold.
import type { Message } from '../../protocol/api.ts'
import type { PhaseHooks } from './generator.ts'
import type { Member } from './session.ts'

export interface ChangePlan {
  editEvery: number
  deleteEvery: number
  reactEvery: number
  /** Of the reactions put on, every this many is taken off again. */
  unreactEvery: number
  emoji: string
}

export const FAULT_CHANGES: ChangePlan = { editEvery: 5, deleteEvery: 11, reactEvery: 7, unreactEvery: 3, emoji: '👍' }

type Kind = 'edit' | 'delete' | 'react' | 'unreact'

interface Change {
  kind: Kind
  member: Member
  seq: number
  /** The edit's new body. */
  body?: string
  /** For an unreact: the reaction it takes off. */
  on?: Change
  /** superseded: a reaction whose message was seen deleted before it was confirmed (deleting destroys reactions). */
  state: 'queued' | 'sent' | 'acked' | 'refused' | 'skipped' | 'superseded'
  frame: string
  sends: number
  firstSentAt: number
  /** The rev of the state that acknowledged it. */
  ackRev: number
  code?: string
}

export interface ChangeCheck {
  plan: ChangePlan
  /** Changes the plan asked for, by kind. */
  planned: Record<Kind, number>
  /** Acknowledged by the matching state, by kind. */
  acked: Record<Kind, number>
  /** Refused with an error frame naming the seq, by `kind:code` (a reaction on a message deleted meanwhile). */
  refused: Record<string, number>
  /** Refusals the final state does not explain: an own edit or delete, or a reaction on a message that is not deleted. */
  wronglyRefused: number
  /** Reactions (on or off) whose message was seen deleted before they were confirmed: nothing left to confirm. */
  superseded: number
  /** Never acknowledged nor refused when the phase ended. */
  unacked: number
  /** Change frames written, resends included, and the resends alone. */
  frames: number
  resent: number
  /** Error frames naming a seq with no change of this member in flight. */
  strayErrors: number
  /** Acknowledged changes the final state (history) does not hold. */
  lost: number
  /** Final states no acknowledged change explains (deleted, edited or reacted without one). */
  phantom: number
  /** Changes whose message was not found in the history at all. */
  missing: number
  /** Send → acknowledging state, ms. */
  ackP50Ms: number
  ackP99Ms: number
  ackMaxMs: number
  examples: string[]
}

const zero = (): Record<Kind, number> => ({ edit: 0, delete: 0, react: 0, unreact: 0 })

/** The changes of one fault phase: generator hooks, then a check against the final histories. */
export class ChangeDriver implements PhaseHooks {
  private readonly all: Change[] = []
  /** Per member, per seq: the changes of that message in order; the head is in flight. */
  private readonly queues = new Map<Member, Map<number, Change[]>>()
  /** Per pair, per seq: who sent it and which message of theirs it was. */
  private readonly sent = new Map<number, Map<number, { sender: Member; k: number }>>()
  private readonly latencies: number[] = []
  private ackCount = 0
  private frames = 0
  private resent = 0
  private strayErrors = 0
  private retryAt = 0
  private startedAt = 0

  private readonly plan: ChangePlan

  constructor(plan: ChangePlan = FAULT_CHANGES) {
    this.plan = plan
  }

  ownAck(member: Member, k: number, m: Message, now: number): void {
    this.pairMap(member.pair).set(m.seq, { sender: member, k })
    const n = k + 1
    if (n % this.plan.editEvery === 0) {
      const body = `${k} edited`
      this.enqueue(member, m.seq, 'edit', JSON.stringify({ type: 'edit', seq: m.seq, body }), now, { body })
    }
    if (n % this.plan.deleteEvery === 0) {
      this.enqueue(member, m.seq, 'delete', JSON.stringify({ type: 'delete', seq: m.seq }), now)
    }
  }

  delivered(member: Member, k: number, m: Message, now: number): void {
    const n = k + 1
    // A client offers no reactions on a message it first sees deleted.
    if (n % this.plan.reactEvery !== 0 || m.deletedAt) return
    const emoji = this.plan.emoji
    const on = this.enqueue(member, m.seq, 'react', JSON.stringify({ type: 'react', seq: m.seq, emoji, on: true }), now)
    if ((n / this.plan.reactEvery) % this.plan.unreactEvery === 0) {
      const frame = JSON.stringify({ type: 'react', seq: m.seq, emoji, on: false })
      this.enqueue(member, m.seq, 'unreact', frame, now, { on })
    }
  }

  message(member: Member, m: Message, now: number): void {
    this.observe(member, m, now)
  }

  frame(member: Member, f: { type: string; [k: string]: unknown }, now: number): void {
    if (f.type === 'update') {
      this.observe(member, (f as unknown as { message: Message }).message, now)
      return
    }
    if (f.type !== 'error' || typeof f.seq !== 'number') return
    const head = this.queues.get(member)?.get(f.seq)?.[0]
    if (head?.state !== 'sent') {
      this.strayErrors++
      return
    }
    // Limits are raised for the bench; a rate-limited change is simply sent again.
    if (f.code === 'rate-limited') {
      this.retryAt = now + 200
      head.state = 'queued'
      return
    }
    head.state = 'refused'
    head.code = String(f.code)
    this.advance(member, head.seq, now)
  }

  /** A (re)connected socket: everything of this member in flight is sent again. */
  ready(member: Member, _frame: unknown, now: number): void {
    for (const queue of this.queues.get(member)?.values() ?? []) {
      const head = queue[0]
      if (head && (head.state === 'sent' || head.state === 'queued')) this.write(head, now)
    }
  }

  tick(now: number): void {
    if (this.retryAt === 0 || now < this.retryAt) return
    this.retryAt = 0
    for (const queues of this.queues.values()) {
      for (const queue of queues.values()) if (queue[0]?.state === 'queued') this.write(queue[0], now)
    }
  }

  outstanding(): number {
    let n = 0
    for (const c of this.all) if (c.state === 'queued' || c.state === 'sent') n++
    return n
  }

  progress(): number {
    return this.ackCount
  }

  /**
   * The acknowledged changes against the final state: for each pair, the history as member
   * 0 reads it (the views are compared with it separately).
   */
  check(finalStates: Map<number, Map<number, Message> | null>): ChangeCheck {
    const c: ChangeCheck = {
      plan: this.plan,
      planned: zero(),
      acked: zero(),
      refused: {},
      wronglyRefused: 0,
      superseded: 0,
      unacked: 0,
      frames: this.frames,
      resent: this.resent,
      strayErrors: this.strayErrors,
      lost: 0,
      phantom: 0,
      missing: 0,
      ackP50Ms: 0,
      ackP99Ms: 0,
      ackMaxMs: 0,
      examples: [],
    }
    const note = (line: string) => {
      if (c.examples.length < 12) c.examples.push(line)
    }
    /** Per pair and seq: the sender's delete was acknowledged. */
    const deleted = new Set<string>()
    for (const ch of this.all)
      if (ch.kind === 'delete' && ch.state === 'acked') deleted.add(`${ch.member.pair}:${ch.seq}`)
    /** Per pair, seq and member: the last acknowledged reaction state. */
    const reaction = new Map<string, boolean>()
    const edited = new Set<string>()
    for (const ch of this.all) {
      c.planned[ch.kind]++
      if (ch.state === 'acked') {
        c.acked[ch.kind]++
        if (ch.kind === 'react' || ch.kind === 'unreact') {
          reaction.set(`${ch.member.pair}:${ch.seq}:${ch.member.id}`, ch.kind === 'react')
        }
        if (ch.kind === 'edit') edited.add(`${ch.member.pair}:${ch.seq}`)
      } else if (ch.state === 'refused') {
        const key = `${ch.kind}:${ch.code ?? '?'}`
        c.refused[key] = (c.refused[key] ?? 0) + 1
        const final = finalStates.get(ch.member.pair)?.get(ch.seq)
        if (ch.kind === 'edit' || ch.kind === 'delete' || !final?.deletedAt) {
          c.wronglyRefused++
          note(`refused: member ${ch.member.index} ${ch.kind} of seq ${ch.seq}: ${ch.code}`)
        }
      } else if (ch.state === 'superseded') {
        c.superseded++
        if (!finalStates.get(ch.member.pair)?.get(ch.seq)?.deletedAt) {
          c.wronglyRefused++
          note(`superseded but not deleted: member ${ch.member.index} ${ch.kind} of seq ${ch.seq}`)
        }
      } else if (ch.state === 'queued' || ch.state === 'sent') {
        c.unacked++
        const final = finalStates.get(ch.member.pair)?.get(ch.seq)
        const seen = ch.member.view?.messages.get(ch.seq)
        const state = (m: Message | undefined) =>
          m ? `rev ${m.rev}${m.deletedAt ? ' deleted' : ''} ${JSON.stringify(m.reactions ?? {})}` : 'none'
        note(
          `unacked: member ${ch.member.index} ${ch.kind} of seq ${ch.seq} (` +
            (ch.sends > 0
              ? `${ch.sends} sends, first ${Math.round(ch.firstSentAt - this.startedAt)} ms after the first change`
              : 'waiting behind an earlier change') +
            `); final ${state(final)}, ` +
            `its view ${state(seen)}`,
        )
      }
    }
    // Changes lost: an acknowledged change the final state does not hold.
    for (const ch of this.all) {
      if (ch.state !== 'acked') continue
      const states = finalStates.get(ch.member.pair)
      if (!states) continue
      const m = states.get(ch.seq)
      if (!m) {
        c.missing++
        note(`missing: seq ${ch.seq} of pair ${ch.member.pair} is not in the history`)
        continue
      }
      const key = `${ch.member.pair}:${ch.seq}`
      const lostIf = (bad: boolean, what: string) => {
        if (!bad) return
        c.lost++
        note(`lost: member ${ch.member.index} ${ch.kind} of seq ${ch.seq} (pair ${ch.member.pair}): ${what}`)
      }
      const mine = (m.reactions?.[this.plan.emoji] ?? []).includes(ch.member.id)
      switch (ch.kind) {
        case 'edit':
          // A later delete of the same message (acknowledged) supersedes the edit.
          if (m.deletedAt) {
            lostIf(
              !deleted.has(key) && !this.inFlight(ch.member, ch.seq, 'delete'),
              'deleted without an acknowledged delete',
            )
          } else lostIf(m.body !== ch.body, `body is ${JSON.stringify(m.body.slice(0, 40))}`)
          break
        case 'delete':
          lostIf(!m.deletedAt, 'not deleted')
          break
        case 'react':
          // Deleting a message destroys its reactions; a later unreact takes it off.
          // An unacknowledged unreact may have been applied: it is counted as unacked, not here.
          if (!m.deletedAt && reaction.get(`${key}:${ch.member.id}`) === true) {
            lostIf(!mine && !this.inFlight(ch.member, ch.seq, 'unreact'), 'reaction missing')
          }
          break
        case 'unreact':
          if (!m.deletedAt && reaction.get(`${key}:${ch.member.id}`) === false) lostIf(mine, 'reaction still on')
          break
      }
    }
    // Phantoms: a final state no acknowledged change explains.
    for (const [pair, map] of this.sent) {
      const states = finalStates.get(pair)
      if (!states) continue
      for (const [seq, { sender }] of map) {
        const m = states.get(seq)
        if (!m) continue
        const key = `${pair}:${seq}`
        const phantom = (what: string) => {
          c.phantom++
          note(`phantom: seq ${seq} of pair ${pair}: ${what}`)
        }
        if (m.deletedAt && !deleted.has(key) && !this.inFlight(sender, seq, 'delete')) phantom('deleted')
        if (m.editedAt && !m.deletedAt && !edited.has(key) && !this.inFlight(sender, seq, 'edit')) phantom('edited')
        for (const userId of m.reactions?.[this.plan.emoji] ?? []) {
          const member = this.memberOf(pair, userId)
          if (!member) continue
          if (reaction.get(`${key}:${userId}`) !== true && !this.inFlight(member, seq, 'react')) phantom('reacted')
        }
      }
    }
    const lat = [...this.latencies].sort((a, b) => a - b)
    const at = (q: number) =>
      lat.length ? Math.round(lat[Math.min(lat.length - 1, Math.ceil(q * lat.length) - 1)]!) : 0
    c.ackP50Ms = at(0.5)
    c.ackP99Ms = at(0.99)
    c.ackMaxMs = lat.length ? Math.round(lat[lat.length - 1]!) : 0
    return c
  }

  private memberOf(pair: number, userId: string): Member | undefined {
    for (const member of this.queues.keys()) if (member.pair === pair && member.id === userId) return member
    return undefined
  }

  /** An unacknowledged change of this kind (it may have been applied without the member hearing of it). */
  private inFlight(member: Member, seq: number, kind: Kind): boolean {
    return (this.queues.get(member)?.get(seq) ?? []).some(
      (ch) => ch.kind === kind && (ch.state === 'sent' || ch.state === 'queued'),
    )
  }

  private pairMap(pair: number): Map<number, { sender: Member; k: number }> {
    let map = this.sent.get(pair)
    if (!map) {
      map = new Map()
      this.sent.set(pair, map)
    }
    return map
  }

  private enqueue(
    member: Member,
    seq: number,
    kind: Kind,
    frame: string,
    now: number,
    extra: { body?: string; on?: Change } = {},
  ): Change {
    if (this.startedAt === 0) this.startedAt = now
    const ch: Change = { kind, member, seq, frame, state: 'queued', sends: 0, firstSentAt: 0, ackRev: 0, ...extra }
    this.all.push(ch)
    let queues = this.queues.get(member)
    if (!queues) {
      queues = new Map()
      this.queues.set(member, queues)
    }
    const queue = queues.get(seq) ?? []
    queues.set(seq, queue)
    queue.push(ch)
    if (queue.length === 1) this.write(ch, now)
    return ch
  }

  /** Writes the change if the socket is up; otherwise the next `ready` does. */
  private write(ch: Change, now: number): void {
    if (!ch.member.chat.send(ch.frame)) {
      if (ch.state !== 'sent') ch.state = 'queued'
      return
    }
    this.frames++
    if (ch.sends > 0) this.resent++
    ch.sends++
    if (ch.firstSentAt === 0) ch.firstSentAt = now
    ch.state = 'sent'
  }

  /** A state of message `m` seen on the member's socket: does it acknowledge the change in flight? */
  private observe(member: Member, m: Message, now: number): void {
    const head = this.queues.get(member)?.get(m.seq)?.[0]
    if (head?.state !== 'sent') return
    if ((head.kind === 'react' || head.kind === 'unreact') && m.deletedAt) {
      // Deleted (maybe in the same commit, after the reaction applied): no state can confirm it now.
      head.state = 'superseded'
      this.advance(member, m.seq, now)
      return
    }
    if (!this.matches(head, m)) return
    head.state = 'acked'
    head.ackRev = m.rev
    this.ackCount++
    this.latencies.push(now - head.firstSentAt)
    this.advance(member, m.seq, now)
  }

  private matches(ch: Change, m: Message): boolean {
    const mine = (m.reactions?.[this.plan.emoji] ?? []).includes(ch.member.id)
    switch (ch.kind) {
      case 'edit':
        return !m.deletedAt && m.body === ch.body
      case 'delete':
        return !!m.deletedAt
      case 'react':
        return mine
      case 'unreact':
        // Only this member takes its reaction off: a later state without it is this change.
        return !mine && m.rev > (ch.on?.ackRev ?? 0)
    }
  }

  /** The head of a message's queue settled: the next change of it goes out. */
  private advance(member: Member, seq: number, now: number): void {
    const queue = this.queues.get(member)?.get(seq)
    if (!queue) return
    queue.shift()
    while (queue.length > 0) {
      const next = queue[0]!
      // Taking off a reaction that never went on: nothing to do.
      if (next.kind === 'unreact' && next.on?.state !== 'acked') {
        next.state = 'skipped'
        queue.shift()
        continue
      }
      this.write(next, now)
      return
    }
  }
}
