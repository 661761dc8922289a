// Overload, defined: an object (a ChatRoom or a UserInbox) taking more socket upgrades than
// it should per second, or a Worker isolate with too many upgrades waiting on D1. Either is
// answered with 1013 and Retry-After (admission.ts overloadedSocket) rather than queued
// (ADR 012; README "Limits").

/** The close reason of a 1013: `overloaded; retry-after=<seconds>` (docs/api.md). */
export function overloadReason(retryAfterS: number): string {
  return `overloaded; retry-after=${retryAfterS}`
}

export interface UpgradeRate {
  /** Upgrades an object admits per second, sustained. */
  perSecond: number
  /** Upgrades it admits at once after a quiet spell (the bucket's size). */
  burst: number
}

/** With its burst of 60, every socket one room may hold (2 members × MAX_SOCKETS_PER_USER) can come back at once. */
export const DEFAULT_UPGRADES_PER_SECOND = 30
/** Upgrades one Worker isolate lets wait on D1 at once; the next is answered 1013. */
export const DEFAULT_PENDING_UPGRADES = 100

const positive = (v: string | undefined, fallback: number) => {
  const n = Number(v)
  return Number.isSafeInteger(n) && n > 0 ? n : fallback
}

export function upgradeRateOf(env: { MAX_UPGRADES_PER_SECOND?: string }): UpgradeRate {
  const perSecond = positive(env.MAX_UPGRADES_PER_SECOND, DEFAULT_UPGRADES_PER_SECOND)
  return { perSecond, burst: 2 * perSecond }
}

export function pendingUpgradesOf(env: { MAX_PENDING_UPGRADES?: string }): number {
  return positive(env.MAX_PENDING_UPGRADES, DEFAULT_PENDING_UPGRADES)
}

/**
 * A token bucket in the object's memory (a restarted object starts full, which is what a
 * reconnect storm after a deploy needs). `take` answers 0 when the upgrade may go ahead,
 * else the whole seconds until a token is there again.
 */
export class UpgradeBucket {
  private tokens: number
  private at: number

  constructor(
    private readonly rate: UpgradeRate,
    now = Date.now(),
  ) {
    this.tokens = rate.burst
    this.at = now
  }

  take(now = Date.now()): number {
    this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.at) / 1000) * this.rate.perSecond)
    this.at = now
    if (this.tokens >= 1) {
      this.tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.rate.perSecond))
  }
}

/** Upgrades of this isolate now between arrival and their answer (upgrade-gate middleware). */
let pending = 0

export function pendingUpgrades(): number {
  return pending
}

/** Counts an upgrade as pending until `run` settles; null when `max` are pending already. */
export async function withPendingUpgrade<T>(max: number, run: () => Promise<T>): Promise<T | null> {
  if (pending >= max) return null
  pending++
  try {
    return await run()
  } finally {
    pending--
  }
}
