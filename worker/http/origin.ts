// CSRF defence (CONTRACT.md: Conventions): a browser always sends Origin on cross-site
// writes and WebSocket upgrades, so a present, foreign Origin is refused. No Origin means
// a non-browser client, judged by its cookie alone. Reads get Fetch Metadata resource
// isolation: SameSite=Lax cookies ride along on a top-level navigation from another
// site, and some GETs have effects (the audited staff view of stored messages).
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env.ts'
import { Problem } from './problem.ts'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function isForeignOrigin(req: Request): boolean {
  const origin = req.headers.get('origin')
  return origin !== null && origin !== new URL(req.url).origin
}

/** Browsers mark every request (GETs and navigations too); other clients send no such header. */
export function isCrossSite(req: Request): boolean {
  return req.headers.get('sec-fetch-site')?.trim().toLowerCase() === 'cross-site'
}

export const checkOrigin: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (isCrossSite(c.req.raw)) {
    throw new Problem(403, 'cross-site', 'Requests from other sites are not allowed.')
  }
  const upgrade = c.req.header('upgrade')?.toLowerCase() === 'websocket'
  if ((upgrade || !SAFE_METHODS.has(c.req.method)) && isForeignOrigin(c.req.raw)) {
    throw new Problem(403, 'foreign-origin', 'Requests from other sites are not allowed.')
  }
  await next()
}
