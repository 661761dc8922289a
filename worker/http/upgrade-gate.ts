// Socket upgrades under overload (ADR 012): at most MAX_PENDING_UPGRADES of them wait on D1
// in one isolate, and an upgrade that fails on our side (D1 down or slow, an object
// unreachable) is answered 1013 with Retry-After, never a 500 or a queue; the client then
// waits that long plus jitter (client/src/chat/backoff.ts).
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env.ts'
import { overloadedSocket } from '../sockets/admission.ts'
import { pendingUpgradesOf, withPendingUpgrade } from '../sockets/upgrade-rate.ts'
import { Problem } from './problem.ts'

/** Retry-After (seconds) when too many upgrades are pending here. */
export const BUSY_RETRY_AFTER_S = 2
/** Retry-After (seconds) when the upgrade failed on our side. */
export const FAILED_RETRY_AFTER_S = 5

export const upgradeGate: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return next()
  const done = await withPendingUpgrade(pendingUpgradesOf(c.env), async () => {
    await next()
    // A Problem (401, 404, 429…) is an answer about this request; anything else failed here.
    if (c.error && !(c.error instanceof Problem)) {
      console.error(`upgrade failed on ${c.req.path}, answered 1013:`, c.error)
      // Unset first: Hono would copy a replaced response (losing its webSocket) otherwise.
      c.res = undefined
      c.res = overloadedSocket(FAILED_RETRY_AFTER_S)
    }
    return true
  })
  if (done === null) return overloadedSocket(BUSY_RETRY_AFTER_S)
}
