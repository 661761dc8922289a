// Who is calling: the session cookie's JWT, then the session itself, asked of the user's
// own UserInbox (its SessionGate, near the user) rather than of D1's primary on every
// request (ADR 010). Logout, revocation, deactivation and role changes go through that
// object before they are answered, so they take effect at the next request.
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { SESSION_COOKIE, SESSION_TTL_S, signSession, verifySession } from '../crypto/session-token.ts'
import type { SessionRow } from '../db/sessions.ts'
import type { UserRow } from '../db/users.ts'
import type { AppEnv, SessionContext } from '../env.ts'
import { inboxOf } from '../inbox/inbox-key.ts'
import { notSignedIn, Problem } from './problem.ts'

export async function loadSession(c: Context<AppEnv>, fresh = false): Promise<SessionContext | null> {
  const token = getCookie(c, SESSION_COOKIE)
  if (!token) return null
  const claims = await verifySession(c.env.JWT_SECRET, token)
  if (!claims) return null
  // A socket upgrade only reads: a reconnect storm after a deploy must not cost a write per
  // socket (ADR 012); the HTTP requests a reconnecting client makes refresh last_seen_at.
  const touch = c.req.header('upgrade')?.toLowerCase() !== 'websocket'
  return inboxOf(c.env, claims.userId).checkSession(claims.userId, claims.sessionId, { fresh, touch })
}

function sessionMiddleware(fresh: boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const session = await loadSession(c, fresh)
    if (!session) throw notSignedIn()
    c.set('session', session)
    c.set('user', session.user)
    await next()
  }
}

/** Signed-in routes: the session as the user's inbox knows it (D1 read at most once a minute). */
export const requireSession = sessionMiddleware(false)

/**
 * Where a role must be current even if it was changed in D1 by hand (`createsuperuser`):
 * the admin routes, and GET /api/me, from which the client learns the user's roles.
 */
export const requireCurrentSession = sessionMiddleware(true)

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
