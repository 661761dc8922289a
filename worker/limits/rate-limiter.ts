// RateLimiter Durable Object: one instance per key (a client address or an email), so
// counters scale out with the keys and need no global table. Every method reads and
// writes the object's SQLite through the synchronous KV API, with no await between the
// check and the count: two requests can never both take the last slot (issue 10). Each
// stored record survives eviction; the keys are the ones the async API used before.
import { DurableObject } from 'cloudflare:workers'

interface Window {
  start: number
  count: number
}

interface Lockout {
  /** Attempts counted in this run of consecutive failures, the ones still in flight included. */
  failures: number
  lockedUntil: number
  /** When this run began: a refund from an earlier run (ended by a success) changes nothing. */
  since: number
}

interface Lease {
  token: number
  until: number
}

export interface Reservation {
  allowed: boolean
  /** Seconds until the caller may try again; 0 when allowed. */
  retryAfter: number
  /** Hands back to `refund` / `refundAttempt` which window or run counted this one. */
  token: number
}

export class RateLimiter extends DurableObject {
  /** Counts one event in a fixed window, or refuses (counting nothing) once `limit` are in it. */
  reserve(limit: number, windowS: number, now = Date.now()): Reservation {
    const w = this.window(windowS, now)
    if (w.count >= limit) return { allowed: false, retryAfter: secondsUntil(w.start + windowS * 1000, now), token: 0 }
    w.count++
    this.ctx.storage.kv.put('window', w)
    return { allowed: true, retryAfter: 0, token: w.start }
  }

  /** Whether `reserve` would refuse right now, without counting anything. */
  peek(limit: number, windowS: number, now = Date.now()): Reservation {
    const w = this.window(windowS, now)
    if (w.count >= limit) return { allowed: false, retryAfter: secondsUntil(w.start + windowS * 1000, now), token: 0 }
    return { allowed: true, retryAfter: 0, token: w.start }
  }

  /** Gives back an event `reserve` counted, if its window is still the current one. */
  refund(token: number): void {
    const w = this.ctx.storage.kv.get<Window>('window')
    if (!w || w.start !== token || w.count === 0) return
    w.count--
    this.ctx.storage.kv.put('window', w)
  }

  /**
   * Consecutive-failure lockout (per email): counts an attempt as a failure before its
   * password is checked, so parallel guesses cannot all slip past the count. The
   * `limit`-th attempt locks the key for `lockoutS`; once a lockout is over, one more
   * failure locks it again. A success calls `resetFailures`; an attempt that was never
   * checked calls `refundAttempt`.
   */
  reserveAttempt(limit: number, lockoutS: number, now = Date.now()): Reservation {
    let l = this.lockout() ?? { failures: 0, lockedUntil: 0, since: now }
    if (l.lockedUntil > now) return { allowed: false, retryAfter: secondsUntil(l.lockedUntil, now), token: 0 }
    if (l.lockedUntil > 0) l = { failures: limit - 1, lockedUntil: 0, since: l.since }
    l.failures++
    if (l.failures >= limit) l.lockedUntil = now + lockoutS * 1000
    this.ctx.storage.kv.put('lockout', l)
    return { allowed: true, retryAfter: 0, token: l.since }
  }

  /** Takes back an attempt `reserveAttempt` counted (and the lock it set, if it was the last straw). */
  refundAttempt(limit: number, token: number): void {
    const l = this.lockout()
    if (!l || l.since !== token || l.failures === 0) return
    l.failures--
    if (l.failures < limit) l.lockedUntil = 0
    this.ctx.storage.kv.put('lockout', l)
  }

  /** A success ends the run of consecutive failures. */
  resetFailures(): void {
    this.ctx.storage.kv.delete('lockout')
  }

  /**
   * Counts one run in the fixed window and takes the key's lease, or refuses while another
   * run holds an unexpired lease or the window is full: one job at a time per key, a few per
   * window (a data export). The lease lapses after `leaseS` unless renewed, so a run whose
   * isolate died frees the key on its own.
   */
  reserveExclusive(limit: number, windowS: number, leaseS: number, now = Date.now()): Reservation & { busy: boolean } {
    const lease = this.ctx.storage.kv.get<Lease>('lease')
    if (lease && lease.until > now)
      return { allowed: false, busy: true, retryAfter: secondsUntil(lease.until, now), token: 0 }
    const counted = this.reserve(limit, windowS, now)
    if (!counted.allowed) return { ...counted, busy: false }
    this.ctx.storage.kv.put('lease', { token: now, until: now + leaseS * 1000 })
    return { allowed: true, busy: false, retryAfter: 0, token: now }
  }

  /** Extends the lease `reserveExclusive` gave; false when it lapsed (or was never this one). */
  renewLease(token: number, leaseS: number, now = Date.now()): boolean {
    const lease = this.ctx.storage.kv.get<Lease>('lease')
    if (!lease || lease.token !== token || lease.until <= now) return false
    this.ctx.storage.kv.put('lease', { token, until: now + leaseS * 1000 })
    return true
  }

  /** The run is over: the key is free for the next (the window keeps its count). */
  releaseLease(token: number): void {
    if (this.ctx.storage.kv.get<Lease>('lease')?.token === token) this.ctx.storage.kv.delete('lease')
  }

  private window(windowS: number, now: number): Window {
    const w = this.ctx.storage.kv.get<Window>('window')
    if (!w || now - w.start >= windowS * 1000) return { start: now, count: 0 }
    return w
  }

  private lockout(): Lockout | undefined {
    const l = this.ctx.storage.kv.get<Partial<Lockout>>('lockout')
    if (!l) return undefined
    // A record stored before runs had a start reads as one that began at time 0.
    return { failures: l.failures ?? 0, lockedUntil: l.lockedUntil ?? 0, since: l.since ?? 0 }
  }
}

function secondsUntil(when: number, now: number): number {
  return Math.max(1, Math.ceil((when - now) / 1000))
}
