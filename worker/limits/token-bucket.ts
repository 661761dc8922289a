// A token bucket in an object's memory: `perSecond` tokens a second, at most `burst` held,
// full when made (a restarted object starts with its burst). The flood gates of a socket and
// a member (rooms/flood-gate.ts) and the objects' upgrade rate (sockets/upgrade-rate.ts).

export class TokenBucket {
  private tokens: number
  private at: number

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst
    this.at = now
  }

  /** Takes one token; false when there is none. */
  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond)
    this.at = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  /** Whole seconds until a token is there again (at least 1), after a refused take. */
  waitS(): number {
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond))
  }
}
