// The room's outbox: which members' inboxes have not heard the room's latest state, and
// when the next delivery round runs. The room passes in how to deliver and how to retry
// (its alarm), and a clock, so the scheduling can be tested on its own.

/** A change reaches the members' inboxes this long after it, so a burst travels as one snapshot. */
export const DELIVERY_DELAY_MS = 100
/** While changes keep coming, each inbox hears of the room about this often, jittered ±50%. */
export const DELIVERY_INTERVAL_MS = 1_000
export const RETRY_MIN_MS = 1_000
export const RETRY_MAX_MS = 60_000

export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(timer: unknown): void
  random(): number
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
  random: () => Math.random(),
}

export interface OutboxDeps {
  /** Tells one member's inbox the room's latest state; true when that member is now up to date. */
  deliverTo(userId: string): Promise<boolean>
  /** A round failed: the room's alarm tries again after `ms`. */
  retryLater(ms: number): void
  /** Keeps the object alive while a round runs. */
  waitUntil(work: Promise<unknown>): void
  clock?: Clock
}

/**
 * Deliveries start DELIVERY_DELAY_MS after a change, and while changes keep coming at most
 * every DELIVERY_INTERVAL_MS, so a busy conversation reaches the inboxes as a few
 * snapshots rather than one per message. `hurry()` (an owed notification, a read) cuts
 * the wait back to DELIVERY_DELAY_MS. Nothing here is stored: every change also commits
 * the room's alarm, and a room that wakes tells both members again (`unknown`).
 */
export class Outbox {
  private readonly dirty = new Set<string>()
  /** Per member, how many changes they were told of: a delivery clears a member only if none came during it. */
  private readonly changes = new Map<string, number>()
  /** After a wake, until both inboxes have been told. */
  private unknown = false
  private running: Promise<void> | null = null
  private again = false
  private nextAt = 0
  private sleeping: { at: number; wake: () => void } | null = null
  private retryMs = RETRY_MIN_MS
  private readonly clock: Clock

  constructor(private readonly deps: OutboxDeps) {
    this.clock = deps.clock ?? realClock
  }

  /** These members' inboxes must hear of a change. */
  changed(members: readonly string[]): void {
    for (const m of members) {
      this.dirty.add(m)
      this.changes.set(m, (this.changes.get(m) ?? 0) + 1)
    }
  }

  /** The room woke with history: whether its inboxes heard the latest state is not known. */
  wokeWithHistory(): void {
    this.unknown = true
  }

  /** Nobody is owed anything. */
  get settled(): boolean {
    return this.dirty.size === 0
  }

  /** Starts a round after `delayMs` (or joins the one under way). */
  schedule(delayMs = DELIVERY_DELAY_MS): void {
    if (this.running) {
      this.again = true
      return
    }
    const round = this.sleepUntil(Math.max(this.clock.now() + delayMs, this.nextAt)).then(() => this.loop())
    this.running = round.finally(() => {
      this.running = null
      // A change that came after the loop's last check, while this promise settled, would
      // otherwise wait for the alarm (up to 30 s): start its round now.
      if (this.again) {
        this.again = false
        if (this.dirty.size > 0) this.schedule()
      }
    })
    this.deps.waitUntil(this.running)
  }

  /** Something is owed promptly: the next round starts within DELIVERY_DELAY_MS. */
  hurry(): void {
    const at = this.clock.now() + DELIVERY_DELAY_MS
    this.nextAt = Math.min(this.nextAt, at)
    const sleeping = this.sleeping
    if (sleeping && sleeping.at > at) {
      this.sleeping = null
      this.clock.setTimeout(sleeping.wake, DELIVERY_DELAY_MS)
    }
  }

  /** The alarm's path: deliver now (both members after a wake), or join the round under way. */
  async flush(members: readonly string[]): Promise<void> {
    if (this.unknown) this.changed(members)
    if (this.dirty.size === 0) return
    if (!this.running) {
      this.nextAt = 0
      this.schedule(0)
    } else this.again = true
    await this.running
  }

  private async deliver(userId: string): Promise<void> {
    const before = this.changes.get(userId)
    const upToDate = await this.deps.deliverTo(userId)
    if (upToDate && this.changes.get(userId) === before) this.dirty.delete(userId)
  }

  private sleepUntil(at: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        this.clock.clearTimeout(timer)
        if (this.sleeping?.wake === wake) this.sleeping = null
        resolve()
      }
      const timer = this.clock.setTimeout(wake, Math.max(0, at - this.clock.now()))
      this.sleeping = { at, wake }
    })
  }

  private async loop(): Promise<void> {
    do {
      this.again = false
      if (this.dirty.size === 0) return
      // Jittered (0.5–1.5 × the interval): rooms that got busy together would otherwise
      // deliver in step, all in the same moment every second.
      this.nextAt = this.clock.now() + DELIVERY_INTERVAL_MS * (0.5 + this.clock.random())
      const results = await Promise.allSettled([...this.dirty].map((m) => this.deliver(m)))
      if (results.some((r) => r.status === 'rejected')) {
        // The alarm retries with backoff until the inbox has heard everything.
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS)
        this.again = false
        this.deps.retryLater(this.retryMs)
        return
      }
      this.retryMs = RETRY_MIN_MS
      if (this.dirty.size === 0) this.unknown = false
      if (this.again || this.dirty.size > 0) await this.sleepUntil(this.nextAt)
    } while (this.again || this.dirty.size > 0)
  }
}
