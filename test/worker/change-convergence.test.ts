// Whatever two people do to a conversation, in whatever interleaving — sending, replying,
// editing, deleting, reacting, dropping off (at any frame) and coming back with `after` and
// `since` — each ends up seeing the same conversation as the other, and as history holds it,
// when their client keeps only what the frames told it, taking a message's state with the
// higher rev.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_PREVIEW_CHARS } from '../../protocol/api.ts'
import { cutCodePoints } from '../../protocol/text.ts'
import { historyOf, isAnyChange, roundTrip } from './helpers/chat.ts'
import { type SignedUp, signUp } from './helpers/http.ts'
import { type Frame, openChat, type TestSocket } from './helpers/socket.ts'

const BODIES = ['apple', 'banana', 'cherry', '  cherry  ']
const EMOJI = ['👍', '❤️', '😂']

type Who = 0 | 1
type Op =
  | { kind: 'send'; who: Who; body: number; reply: number | null; wait: boolean }
  | { kind: 'edit'; who: Who; pick: number; body: number | 'same' }
  | { kind: 'delete'; who: Who; pick: number }
  | { kind: 'react'; who: Who; pick: number; emoji: number; on: boolean }
  /**
   * `drop`: the connection broke after this many more of the frames already received (null:
   * after all of them; 'worst': at the point that leaves the client's cursor furthest ahead
   * of what it has, as a connection may break after any frame).
   */
  | { kind: 'reconnect'; who: Who; cursor: 'exact' | 'stale since' | 'stale after'; drop: number | 'worst' | null }
  | { kind: 'pause'; who: Who }
  /** Reacts to a message and answers it in the same moment: the two often commit together. */
  | { kind: 'react and reply'; who: Who; pick: number; emoji: number; body: number }

const who = fc.constantFrom<Who>(0, 1)
const pick = fc.nat({ max: 40 })
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('send' as const),
      who,
      body: fc.nat({ max: BODIES.length - 1 }),
      reply: fc.option(pick, { freq: 3 }),
      wait: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('edit' as const),
      who,
      pick,
      body: fc.oneof(fc.nat({ max: BODIES.length - 1 }), fc.constant('same' as const)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), who, pick }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('react' as const),
      who,
      pick,
      emoji: fc.nat({ max: EMOJI.length - 1 }),
      on: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('reconnect' as const),
      who,
      cursor: fc.constantFrom('exact' as const, 'stale since' as const, 'stale after' as const),
      drop: fc.oneof(
        { weight: 1, arbitrary: fc.constant(null) },
        { weight: 2, arbitrary: fc.constant('worst' as const) },
        { weight: 1, arbitrary: fc.nat({ max: 3 }) },
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pause' as const), who }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('react and reply' as const),
      who,
      pick,
      emoji: fc.nat({ max: EMOJI.length - 1 }),
      body: fc.nat({ max: BODIES.length - 1 }),
    }),
  },
)

/**
 * One person's client: its socket, and the conversation as the frames it received told it.
 * Its `since` moves as client/src/chat/rev-cursor.ts moves it: live frames come in the order
 * the room made the changes, so their rev counts at once; a replay comes in seq order, so
 * only once the whole replay is in (the answer to a ping sent behind it) does `since`
 * become the `lastRev` that `ready` named.
 */
class Client {
  ws!: TestSocket
  private taken = 0
  readonly view = new Map<number, Frame>()
  private sent = 0
  /** The rev up to which this client holds every change. */
  private since = 0
  private replay: { lastRev: number; seen: number } | null = null

  constructor(
    readonly user: SignedUp,
    readonly peer: SignedUp,
  ) {}

  async connect(after?: number, since?: number): Promise<void> {
    this.ws = await openChat(this.user.cookie, this.peer.id, after, since)
    this.taken = 0
    if (after === undefined) return
    this.replay = { lastRev: this.ws.ready!.lastRev, seen: 0 }
    // Answered only after the replay, which the room writes before the socket opens.
    this.ws.send('{"type": "ping"}')
  }

  /**
   * Applies the frames received so far (at most `limit` more messages and updates): a
   * message's state is the one with the higher rev.
   */
  take(limit = Number.POSITIVE_INFINITY): void {
    const frames = this.ws.frames
    for (; this.taken < frames.length; this.taken++) {
      const f = frames[this.taken]!
      if (f.type === 'pong' && this.replay) {
        this.since = Math.max(this.since, this.replay.lastRev, this.replay.seen)
        this.replay = null
      }
      if (!isAnyChange(f)) continue
      if (limit-- <= 0) return
      const had = this.view.get(f.message.seq)
      if (!had || f.message.rev > had.rev) this.view.set(f.message.seq, f.message)
      if (this.replay) this.replay.seen = Math.max(this.replay.seen, f.message.rev)
      else this.since = Math.max(this.since, f.message.rev)
    }
  }

  /**
   * How many of the received, unapplied messages and updates to apply before the break so that
   * a frame received later has a lower rev than one applied: the worst moment for a cursor.
   * All of them when the frames came in rev order.
   */
  worstBreak(): number {
    const pending = this.ws.frames.slice(this.taken).filter(isAnyChange)
    for (let k = 1; k < pending.length; k++) {
      const seen = Math.max(...pending.slice(0, k).map((f) => f.message.rev as number))
      if (pending.slice(k).some((f) => f.message.rev < seen)) return k
    }
    return pending.length
  }

  seqs(): number[] {
    return [...this.view.keys()].sort((x, y) => x - y)
  }

  target(i: number): number | null {
    const seqs = this.seqs()
    return seqs.length === 0 ? null : seqs[i % seqs.length]!
  }

  /** Drops off and comes back, asking for what it missed from its own cursor (or an older one). */
  async reconnect(cursor: 'exact' | 'stale since' | 'stale after', drop: number | 'worst' | null): Promise<void> {
    // A break part-way through what the room sent: let all of it arrive first, then apply only a part.
    if (drop !== null) {
      await new Promise((r) => setTimeout(r, 30))
      await roundTrip(this.ws)
    }
    this.take(drop === 'worst' ? this.worstBreak() : (drop ?? undefined))
    // A replay cut short leaves `since` where it was.
    this.replay = null
    const lastSeq = Math.max(0, ...this.view.keys())
    this.ws.close()
    const after = cursor === 'stale after' ? Math.floor(lastSeq / 2) : lastSeq
    const since = cursor === 'stale since' ? Math.floor(this.since / 2) : this.since
    await this.connect(after, since)
  }

  clientId(): string {
    return `${this.user.id.slice(0, 8)}-${++this.sent}`
  }

  /** As the client shows it: a quote's preview is the quoted message's current body in this view. */
  shown(): Frame[] {
    return this.seqs().map((seq) => shownMessage(this.view.get(seq)!, (s) => this.view.get(s)))
  }
}

/** The fields a message's rev covers; readAt and deliveredAt travel in read and delivered frames. */
function shownMessage(m: Frame, quoted: (seq: number) => Frame | undefined): Frame {
  const { readAt: _r, deliveredAt: _d, ...rest } = m
  if (!rest.replyTo) return rest
  const q = quoted(rest.replyTo.seq)
  const preview = !q || q.deletedAt ? '' : cutCodePoints(q.body, MAX_PREVIEW_CHARS)
  return { ...rest, replyTo: { ...rest.replyTo, preview } }
}

async function play(ops: Op[]): Promise<void> {
  const [a, b] = await Promise.all([signUp({ firstName: 'Ann' }), signUp({ firstName: 'Bob' })])
  const clients = [new Client(a, b), new Client(b, a)] as const
  await Promise.all(clients.map((c) => c.connect()))
  try {
    for (const o of ops) {
      const c = clients[o.who]
      // The client acts on what it has received so far (a reconnect decides for itself how much that is).
      if (o.kind !== 'reconnect') c.take()
      switch (o.kind) {
        case 'send': {
          const clientId = c.clientId()
          const reply = o.reply === null ? null : c.target(o.reply)
          c.ws.send({ type: 'send', clientId, body: BODIES[o.body], ...(reply ? { replyTo: reply } : {}) })
          if (o.wait) {
            await c.ws.next(
              (f) =>
                (f.type === 'message' && f.message.clientId === clientId) ||
                (f.type === 'error' && f.clientId === clientId),
            )
          }
          break
        }
        case 'edit': {
          const seq = c.target(o.pick)
          if (seq === null) break
          const body = o.body === 'same' ? (c.view.get(seq)!.body as string) || 'x' : BODIES[o.body]
          c.ws.send({ type: 'edit', seq, body })
          break
        }
        case 'delete': {
          const seq = c.target(o.pick)
          if (seq !== null) c.ws.send({ type: 'delete', seq })
          break
        }
        case 'react': {
          const seq = c.target(o.pick)
          if (seq !== null) c.ws.send({ type: 'react', seq, emoji: EMOJI[o.emoji], on: o.on })
          break
        }
        case 'reconnect':
          await c.reconnect(o.cursor, o.drop)
          break
        case 'react and reply': {
          const seq = c.target(o.pick)
          if (seq === null) break
          c.ws.send({ type: 'react', seq, emoji: EMOJI[o.emoji], on: true })
          c.ws.send({ type: 'send', clientId: c.clientId(), body: BODIES[o.body], replyTo: seq })
          break
        }
        case 'pause':
          await new Promise((r) => setTimeout(r, 20))
          break
      }
    }
    // Each says goodbye; group commits keep each person's frames in order, and each socket
    // receives the room's frames in commit order: once both goodbyes are in on both sockets,
    // every earlier commit has been sent too. A ping answered after that (not the exact bytes
    // the runtime answers itself) brings in any frame sent just behind the goodbyes.
    const byes = clients.map((c) => {
      const clientId = c.clientId()
      c.ws.send({ type: 'send', clientId, body: 'bye' })
      return clientId
    })
    for (const c of clients) {
      const hasBoth = () =>
        byes.every((id) => c.ws.frames.some((f) => f.type === 'message' && f.message.clientId === id))
      if (!hasBoth()) await c.ws.next(hasBoth, 10_000)
      c.ws.send('{"type": "ping"}')
      await c.ws.nextOfType('pong')
      c.take()
    }
    const history = await historyOf(a.cookie, b.id)
    expect(history.length).toBeLessThanOrEqual(100)
    const bySeq = new Map(history.map((m) => [m.seq, m]))
    const stored = history.map((m) => shownMessage(m, (s) => bySeq.get(s)))
    // History shows quotes as they are now, and so does each client.
    expect(history.map((m) => m.replyTo)).toEqual(stored.map((m) => m.replyTo))
    const [annSees, bobSees] = clients.map((c) => c.shown())
    expect(annSees).toEqual(bobSees)
    expect(annSees).toEqual(stored)
    expect(await historyOf(b.cookie, a.id)).toEqual(history)
  } finally {
    for (const c of clients) c.ws.close()
  }
}

describe('two people changing a conversation at once', () => {
  it('end up seeing the same conversation as each other and as history', async () => {
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), play), {
      numRuns: 20,
      endOnFailure: true,
    })
  }, 120_000)
})
