// Overload, defined: an object (a ChatRoom or a UserInbox) taking more socket upgrades than
// it should per second, or a Worker isolate with too many upgrades waiting on D1. Either is
// answered with 1013 and Retry-After (admission.ts overloadedSocket) rather than queued
// (ADR 012; README "Limits").

import { positiveSetting } from '../limits/settings.ts'
import { TokenBucket } from '../limits/token-bucket.ts'

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

export function upgradeRateOf(env: { MAX_UPGRADES_PER_SECOND?: string }): UpgradeRate {
  const perSecond = positiveSetting(env.MAX_UPGRADES_PER_SECOND, DEFAULT_UPGRADES_PER_SECOND)
  return { perSecond, burst: 2 * perSecond }
}

export function pendingUpgradesOf(env: { MAX_PENDING_UPGRADES?: string }): number {
  return positiveSetting(env.MAX_PENDING_UPGRADES, DEFAULT_PENDING_UPGRADES)
}

/**
 * The object's upgrade bucket (a restarted object starts full, which is what a reconnect
 * storm after a deploy needs). `take` answers 0 when the upgrade may go ahead, else the
 * whole seconds until a token is there again.
 */
export class UpgradeBucket {
  private readonly bucket: TokenBucket

  constructor(rate: UpgradeRate, now = Date.now()) {
    this.bucket = new TokenBucket(rate.perSecond, rate.burst, now)
  }

  take(now = Date.now()): number {
    return this.bucket.take(now) ? 0 : this.bucket.waitS()
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
