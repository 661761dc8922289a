// Reconnect delays: exponential with jitter, so a restarted server is not hit by every tab at once.

export const BACKOFF_BASE_MS = 500
export const BACKOFF_CAP_MS = 30_000

/**
 * The wait before reconnect attempt `attempt` (0 for the first retry): half of the
 * exponential step is fixed and half random, which spreads tabs out while still growing.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const step = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt))
  return Math.round(step / 2 + random() * (step / 2))
}

/** The longest a 1013's Retry-After is honoured; a larger value is taken as this. */
export const RETRY_AFTER_CAP_S = 300

/**
 * The seconds of a 1013 close reason, `overloaded; retry-after=<seconds>` (docs/api.md), or
 * null when the reason carries none.
 */
export function retryAfterOf(reason: string): number | null {
  const match = /(?:^|[;\s])retry-after=(\d{1,6})(?:$|[;\s])/.exec(reason)
  return match ? Math.min(RETRY_AFTER_CAP_S, Number(match[1])) : null
}

/**
 * The wait after a 1013 (the server is overloaded): never less than the `seconds` it asked
 * for, plus up to half as long again (at least BACKOFF_BASE_MS) at random, so the clients
 * told the same delay at the same moment do not all come back at the same moment.
 */
export function retryAfterDelay(seconds: number, random: () => number = Math.random): number {
  const ms = Math.max(0, seconds) * 1000
  return Math.round(ms + random() * Math.max(BACKOFF_BASE_MS, ms / 2))
}
