// RateLimiter Durable Object: one instance per key (a client address or an email), so
// counters scale out with the keys and need no global table. State is in memory with a
// storage copy, so an evicted limiter keeps counting.
import { DurableObject } from 'cloudflare:workers'

interface Window {
  start: number
  count: number
}

interface Lockout {
  failures: number
  lockedUntil: number
}

export interface Verdict {
  allowed: boolean
  /** Seconds until the caller may try again; 0 when allowed. */
  retryAfter: number
}

export class RateLimiter extends DurableObject {
  /** Counts one event in a fixed window; refuses once `limit` events are in it. */
  async hit(limit: number, windowS: number, now = Date.now()): Promise<Verdict> {
    const w = await this.window(windowS, now)
    if (w.count >= limit) return { allowed: false, retryAfter: secondsUntil(w.start + windowS * 1000, now) }
    w.count++
    await this.ctx.storage.put('window', w)
    return { allowed: true, retryAfter: 0 }
  }

  /** Whether another event would be refused, without counting one. */
  async peek(limit: number, windowS: number, now = Date.now()): Promise<Verdict> {
    const w = await this.window(windowS, now)
    if (w.count >= limit) return { allowed: false, retryAfter: secondsUntil(w.start + windowS * 1000, now) }
    return { allowed: true, retryAfter: 0 }
  }

  /** Consecutive-failure lockout (per email): is the key locked right now? */
  async lockoutStatus(now = Date.now()): Promise<Verdict> {
    const l = await this.lockout()
    if (l.lockedUntil > now) return { allowed: false, retryAfter: secondsUntil(l.lockedUntil, now) }
    return { allowed: true, retryAfter: 0 }
  }

  /** Records a failure; from the `limit`-th consecutive one the key is locked for `lockoutS`. */
  async recordFailure(limit: number, lockoutS: number, now = Date.now()): Promise<Verdict> {
    const l = await this.lockout()
    l.failures++
    if (l.failures >= limit) l.lockedUntil = now + lockoutS * 1000
    await this.ctx.storage.put('lockout', l)
    return l.lockedUntil > now ? { allowed: false, retryAfter: lockoutS } : { allowed: true, retryAfter: 0 }
  }

  /** A success ends the run of consecutive failures. */
  async resetFailures(): Promise<void> {
    await this.ctx.storage.delete('lockout')
  }

  private async window(windowS: number, now: number): Promise<Window> {
    const w = (await this.ctx.storage.get<Window>('window')) ?? { start: now, count: 0 }
    if (now - w.start >= windowS * 1000) return { start: now, count: 0 }
    return w
  }

  private async lockout(): Promise<Lockout> {
    return (await this.ctx.storage.get<Lockout>('lockout')) ?? { failures: 0, lockedUntil: 0 }
  }
}

function secondsUntil(when: number, now: number): number {
  return Math.max(1, Math.ceil((when - now) / 1000))
}
