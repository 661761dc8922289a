// Who is calling: the session cookie's JWT, checked against its D1 row on every request
// so logout, revocation, deactivation and role changes take effect at once.
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { keyringOf } from '../crypto/keys.ts'
import { SESSION_COOKIE, SESSION_TTL_S, signSession, verifySession } from '../crypto/session-token.ts'
import { findLiveSession, type SessionRow, touchSession } from '../db/sessions.ts'
import { toUser, type UserRow } from '../db/users.ts'
import type { AppEnv, SessionContext } from '../env.ts'
import { notSignedIn, Problem } from './problem.ts'

// last_seen_at is refreshed at most this often, so reads don't each cost a D1 write.
const TOUCH_EVERY_MS = 5 * 60_000
/**
 * Sessions this isolate refreshed lately: the requests a reconnecting client makes at once
 * all find the same stale row, and one write is enough (ADR 010). Bounded: past this many
 * entries it starts afresh, which costs at most one extra write per session.
 */
const touchedHere = new Map<string, number>()
const MAX_TOUCHED_HERE = 10_000

function dueForTouch(sessionId: string, lastSeenAt: string, now = Date.now()): boolean {
  if (now - Date.parse(lastSeenAt) <= TOUCH_EVERY_MS) return false
  const here = touchedHere.get(sessionId)
  if (here !== undefined && now - here <= TOUCH_EVERY_MS) return false
  if (touchedHere.size >= MAX_TOUCHED_HERE) touchedHere.clear()
  touchedHere.set(sessionId, now)
  return true
}

export async function loadSession(c: Context<AppEnv>): Promise<SessionContext | null> {
  const token = getCookie(c, SESSION_COOKIE)
  if (!token) return null
  const claims = await verifySession(c.env.JWT_SECRET, token)
  if (!claims) return null
  const found = await findLiveSession(c.var.db, claims.sessionId, claims.userId)
  if (!found?.user.isActive) return null
  // A socket upgrade only reads: a reconnect storm after a deploy must not cost a write per
  // socket (ADR 010); the HTTP requests a reconnecting client makes refresh it instead.
  const upgrade = c.req.header('upgrade')?.toLowerCase() === 'websocket'
  if (!upgrade && dueForTouch(found.session.id, found.session.lastSeenAt)) {
    c.executionCtx.waitUntil(touchSession(c.var.db, found.session.id).run())
  }
  const user = await toUser(await keyringOf(c.env), found.user)
  return { sessionId: found.session.id, user }
}

export const requireSession: MiddlewareHandler<AppEnv> = async (c, next) => {
  const session = await loadSession(c)
  if (!session) throw notSignedIn()
  c.set('session', session)
  c.set('user', session.user)
  await next()
}

/** Staff routes: the role is read from the database row, not trusted from the token. */
export const requireStaff: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.var.user.isStaff) throw new Problem(403, 'staff-only', 'This needs a staff account.')
  await next()
}

export async function issueSessionCookie(c: Context<AppEnv>, user: UserRow, session: SessionRow): Promise<void> {
  const token = await signSession(c.env.JWT_SECRET, {
    userId: user.id,
    sessionId: session.id,
    staff: user.isStaff,
    superuser: user.isSuperuser,
  })
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: new URL(c.req.url).protocol === 'https:',
    path: '/',
    maxAge: SESSION_TTL_S,
  })
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: new URL(c.req.url).protocol === 'https:' })
}
