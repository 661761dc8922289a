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
