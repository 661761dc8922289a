// Session rows in D1: one per sign-in. Revoking sets revoked_at, so the next request
// with that session's JWT is refused even though the token itself is still valid.
import { and, desc, eq, gt, isNull, ne } from 'drizzle-orm'
import { SESSION_TTL_S } from '../crypto/session-token.ts'
import type { Db } from '../env.ts'
import { sessions, users } from './schema.ts'
import type { UserRow } from './users.ts'

export type SessionRow = typeof sessions.$inferSelect

/** Sessions older than a token's lifetime are dead whatever their row says. */
export function sessionCutoff(now = Date.now()): string {
  return new Date(now - SESSION_TTL_S * 1000).toISOString()
}

export function newSession(userId: string, userAgent: string, now = new Date()): SessionRow {
  const at = now.toISOString()
  return {
    id: crypto.randomUUID(),
    userId,
    createdAt: at,
    lastSeenAt: at,
    userAgent: userAgent.slice(0, 512),
    revokedAt: null,
  }
}

/** The live session and its user, or undefined when revoked, expired or unknown. */
export async function findLiveSession(
  db: Db,
  sessionId: string,
  userId: string,
): Promise<{ session: SessionRow; user: UserRow } | undefined> {
  const row = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.id, sessionId),
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        gt(sessions.createdAt, sessionCutoff()),
      ),
    )
    .get()
  return row
}

export function listLiveSessions(db: Db, userId: string): Promise<SessionRow[]> {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.createdAt, sessionCutoff())))
    .orderBy(desc(sessions.lastSeenAt))
    .all()
}

export function revokeSessionStatement(db: Db, userId: string, sessionId: string) {
  return db
    .update(sessions)
    .set({ revokedAt: new Date().toISOString() })
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt)))
}

/** Revokes every live session of the user except `keepId` (all of them when absent). */
export function revokeOtherSessionsStatement(db: Db, userId: string, keepId?: string) {
  const base = and(eq(sessions.userId, userId), isNull(sessions.revokedAt))
  return db
    .update(sessions)
    .set({ revokedAt: new Date().toISOString() })
    .where(keepId ? and(base, ne(sessions.id, keepId)) : base)
    .returning({ id: sessions.id })
}

export function touchSession(db: Db, sessionId: string, now = new Date()) {
  return db.update(sessions).set({ lastSeenAt: now.toISOString() }).where(eq(sessions.id, sessionId))
}
