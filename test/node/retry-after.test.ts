// A 1013 (the server is overloaded) as the client reads it and waits (client/src/chat/backoff.ts),
// and the token bucket the objects answer it from (worker/sockets/upgrade-rate.ts); ADR 012.
import { describe, expect, it } from 'vitest'
import {
  BACKOFF_BASE_MS,
  backoffDelay,
  RETRY_AFTER_CAP_S,
  retryAfterDelay,
  retryAfterOf,
} from '../../client/src/chat/backoff.ts'
import {
  DEFAULT_UPGRADES_PER_SECOND,
  overloadReason,
  UpgradeBucket,
  upgradeRateOf,
} from '../../worker/sockets/upgrade-rate.ts'

describe('the Retry-After of a 1013', () => {
  it('is read from the reason the server sends', () => {
    expect(retryAfterOf(overloadReason(7))).toBe(7)
    expect(retryAfterOf('retry-after=0')).toBe(0)
    expect(retryAfterOf('overloaded')).toBeNull()
    expect(retryAfterOf('overloaded; retry-after=x')).toBeNull()
    expect(retryAfterOf('retry-after=12abc')).toBeNull()
    expect(retryAfterOf(`overloaded; retry-after=${RETRY_AFTER_CAP_S * 10}`)).toBe(RETRY_AFTER_CAP_S)
  })

  it('delays the reconnect by at least the delay given, plus bounded jitter', () => {
    for (const seconds of [0, 1, 2, 5, 30]) {
      const least = retryAfterDelay(seconds, () => 0)
      const most = retryAfterDelay(seconds, () => 1)
      expect(least).toBe(seconds * 1000)
      expect(most).toBe(seconds * 1000 + Math.max(BACKOFF_BASE_MS, (seconds * 1000) / 2))
      for (let i = 0; i < 50; i++) {
        const d = retryAfterDelay(seconds)
        expect(d).toBeGreaterThanOrEqual(least)
        expect(d).toBeLessThanOrEqual(most)
      }
    }
  })

  it('waits longer than the quick retry after a restart would', () => {
    // After a 1012 the client comes back within backoffDelay(0); a 1013 of 2 s must not.
    expect(retryAfterDelay(2, () => 0)).toBeGreaterThan(backoffDelay(0, () => 1))
  })
})

describe('the upgrade bucket of an object', () => {
  it('admits a burst of twice the rate, then one per 1/rate seconds, and says when to return', () => {
    const rate = upgradeRateOf({ MAX_UPGRADES_PER_SECOND: '2' })
    expect(rate).toEqual({ perSecond: 2, burst: 4 })
    const bucket = new UpgradeBucket(rate, 0)
    for (let i = 0; i < 4; i++) expect(bucket.take(0)).toBe(0)
    expect(bucket.take(0)).toBe(1)
    expect(bucket.take(499)).toBe(1)
    expect(bucket.take(600)).toBe(0)
    expect(bucket.take(600)).toBe(1)
    // A quiet spell fills it again, never past the burst.
    const later = 60_000
    for (let i = 0; i < 4; i++) expect(bucket.take(later)).toBe(0)
    expect(bucket.take(later)).toBeGreaterThan(0)
  })

  it('falls back to the default rate for a missing or bad setting', () => {
    expect(upgradeRateOf({}).perSecond).toBe(DEFAULT_UPGRADES_PER_SECOND)
    expect(upgradeRateOf({ MAX_UPGRADES_PER_SECOND: '0' }).perSecond).toBe(DEFAULT_UPGRADES_PER_SECOND)
    expect(upgradeRateOf({ MAX_UPGRADES_PER_SECOND: 'lots' }).perSecond).toBe(DEFAULT_UPGRADES_PER_SECOND)
  })
})
