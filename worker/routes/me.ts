// /api/me: the signed-in user's profile, password and sessions (CONTRACT.md: Accounts).

import type { BatchItem } from 'drizzle-orm/batch'
import { Hono } from 'hono'
import { deleteAccount } from '../accounts/account-deletion.ts'
import { exportResponse } from '../accounts/data-export.ts'
import { parsePasswordChange, parseProfilePatch } from '../accounts/inputs.ts'
import { endSessions, userChanged } from '../accounts/session-end.ts'
import { keyringOf } from '../crypto/keys.ts'
import { listLiveSessions, revokeOtherSessionsStatement, revokeSessionStatement } from '../db/sessions.ts'
import {
  findUser,
  sealNames,
  setPasswordHashStatement,
  setReadReceiptsStatement,
  updateNamesStatements,
} from '../db/users.ts'
import type { AppEnv, Env } from '../env.ts'
import { body, readJson } from '../http/body.ts'
import { invalid, notSignedIn, Problem } from '../http/problem.ts'
import { limitsOf, reservePasswordCheck, takeHashSlot } from '../http/rate-limit.ts'
import { clearSessionCookie, requireCurrentSession, requireSession } from '../http/session.ts'
import { inboxOf } from '../inbox/inbox-key.ts'

export const me = new Hono<AppEnv>()
  // Before the middleware below: the user's roles as D1 has them now (ADR 010).
  .get('/', requireCurrentSession, (c) => c.json({ user: c.var.user }))
  .use(requireSession)

  .patch('/', body(parseProfilePatch), async (c) => {
    const patch = c.req.valid('json')
    const current = c.var.user
    const firstName = patch.firstName ?? current.firstName
    const lastName = patch.lastName ?? current.lastName
    const readReceipts = patch.readReceipts ?? current.readReceipts
    const db = c.var.db
    const statements: BatchItem<'sqlite'>[] = []
    if (patch.firstName !== undefined || patch.lastName !== undefined) {
      const sealed = await sealNames(await keyringOf(c.env), c.env.NAME_INDEX_KEY, firstName, lastName)
      statements.push(...updateNamesStatements(db, current.id, sealed))
    }
    const receiptsChanged = readReceipts !== current.readReceipts
    if (receiptsChanged) statements.push(setReadReceiptsStatement(db, current.id, readReceipts))
    const [first, ...rest] = statements
    if (first) {
      await db.batch([first, ...rest])
      await userChanged(c.env, current.id)
    }
    if (receiptsChanged) await tellConversations(c.env, current.id, readReceipts)
    return c.json({ user: { ...current, firstName, lastName, readReceipts } })
  })

  // CONTRACT.md: Deleting an account (worker/accounts/account-deletion.ts).
  .delete('/', deleteAccount)

  .post('/password', async (c) => {
    const current = c.var.user
    const parsed = parsePasswordChange(await readJson(c.req.raw), current.email)
    if (!parsed.ok) throw invalid(parsed.errors)
    const { currentPassword, newPassword } = parsed.value
    // Guessing the current password is throttled like a failed sign-in for this email, and
    // counted before the hash, so parallel guesses cannot outrun the count (issue 10).
    const limits = limitsOf(c.env)
    const attempt = await reservePasswordCheck(c.env, limits, current.email)
    const slot = await takeHashSlot(limits, attempt.refund)
    let passwordHash: string | undefined
    try {
      const row = await findUser(c.var.db, current.id)
      if (!row) {
        await attempt.refund()
        throw notSignedIn()
      }
      if (await slot.verify(currentPassword, row.passwordHash)) passwordHash = await slot.hash(newPassword)
    } finally {
      slot.release()
    }
    if (!passwordHash) throw invalid({ currentPassword: 'Your current password is not correct.' })
    await attempt.succeed()
    const db = c.var.db
    const [, revoked] = await db.batch([
      setPasswordHashStatement(db, current.id, passwordHash),
      revokeOtherSessionsStatement(db, current.id, c.var.session.sessionId),
    ])
    await endSessions(
      c.env,
      current.id,
      revoked.map((r) => r.id),
    )
    return c.body(null, 204)
  })

  // CONTRACT.md: the export, streamed (worker/accounts/data-export.ts).
  .get('/export', (c) =>
    exportResponse(c.env, c.var.db, (work) => c.executionCtx.waitUntil(work), c.var.user, c.var.session.sessionId),
  )

  .get('/sessions', async (c) => {
    const rows = await listLiveSessions(c.var.db, c.var.user.id)
    const currentId = c.var.session.sessionId
    return c.json({
      sessions: rows.map((s) => ({
        id: s.id,
        current: s.id === currentId,
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
        userAgent: s.userAgent,
      })),
    })
  })

  .post('/sessions/revoke-others', async (c) => {
    const { user, sessionId } = c.var.session
    const revoked = await revokeOtherSessionsStatement(c.var.db, user.id, sessionId).all()
    await endSessions(
      c.env,
      user.id,
      revoked.map((r) => r.id),
    )
    return c.body(null, 204)
  })

  .delete('/sessions/:id', async (c) => {
    const { user, sessionId } = c.var.session
    const id = c.req.param('id')
    const result = await revokeSessionStatement(c.var.db, user.id, id).run()
    if (result.meta.changes === 0) throw new Problem(404, 'session-not-found', 'There is no such active session.')
    await endSessions(c.env, user.id, [id])
    if (id === sessionId) clearSessionCookie(c)
    return c.body(null, 204)
  })

/**
 * Awaited, so a 200 means open conversations already follow the new setting. D1 holds the
 * truth and every room re-reads it on each upgrade, so a failure here is logged, not the
 * user's problem (CONTRACT.md: Read receipts).
 */
async function tellConversations(env: Env, userId: string, on: boolean): Promise<void> {
  try {
    await inboxOf(env, userId).setReadReceipts(userId, on)
  } catch (err) {
    console.error(`read receipts of user ${userId} not passed to their conversations:`, err)
  }
}
