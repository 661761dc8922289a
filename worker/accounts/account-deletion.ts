// DELETE /api/me (CONTRACT.md: Deleting an account; ADR 009): the password, checked like a
// password change, then D1 in one batch, then the user's UserInbox erases them from every
// room (account-erasure.ts) — the first rooms before the answer, the rest in the background.
import type { Context } from 'hono'
import { deleteAccountRows } from '../db/account-deletion.ts'
import { findUser } from '../db/users.ts'
import type { AppEnv } from '../env.ts'
import { asObject, notAnObject, type Parsed, readJson, unknownFields } from '../http/body.ts'
import { invalid, notSignedIn } from '../http/problem.ts'
import { limitsOf, reservePasswordCheck, takeHashSlot } from '../http/rate-limit.ts'
import { clearSessionCookie } from '../http/session.ts'
import { inboxOf } from '../inbox/inbox-key.ts'
import { endSessions } from './session-end.ts'

export function parseAccountDeletion(raw: unknown): Parsed<{ password: string }> {
  const obj = asObject(raw)
  if (!obj) return notAnObject()
  const errors = unknownFields(obj, ['password'])
  if (typeof obj.password !== 'string' || obj.password === '') errors.password = 'Enter your password.'
  return Object.keys(errors).length > 0
    ? { ok: false, errors }
    : { ok: true, value: { password: obj.password as string } }
}

export async function deleteAccount(c: Context<AppEnv>): Promise<Response> {
  const parsed = parseAccountDeletion(await readJson(c.req.raw))
  if (!parsed.ok) throw invalid(parsed.errors)
  const current = c.var.user
  // Guessing is throttled like a failed sign-in for this email, counted before the hash (issue 10).
  const limits = limitsOf(c.env)
  const attempt = await reservePasswordCheck(c.env, limits, current.email)
  const slot = await takeHashSlot(limits, attempt.refund)
  let ok = false
  try {
    const row = await findUser(c.var.db, current.id)
    if (!row) {
      await attempt.refund()
      throw notSignedIn()
    }
    ok = await slot.verify(parsed.value.password, row.passwordHash)
  } finally {
    slot.release()
  }
  if (!ok) throw invalid({ password: 'Your password is not correct.' })
  await attempt.succeed()

  const inbox = inboxOf(c.env, current.id)
  // Announced first: if this request stops after D1, the inbox's alarm finds the tombstone and erases.
  await inbox.expectErasure(current.id)
  await deleteAccountRows(c.var.db, current.id)
  // From here on the deletion has happened: the answer is 204 whatever fails below (a retry
  // would only get a 401), and the inbox's alarm, armed by expectErasure, finishes the rest.
  clearSessionCookie(c)
  try {
    // Every socket closes with 4401 (the rooms refuse the member from now on anyway).
    await endSessions(c.env, current.id, null)
  } catch (err) {
    console.error(`account ${current.id}: sockets not closed yet; the erasure closes them`, err)
  }
  try {
    await inbox.eraseAccount(current.id)
  } catch (err) {
    // The inbox's alarm is set before any room is called: it finishes the erasure.
    console.error(`account ${current.id}: erasure continues in the background`, err)
  }
  return c.body(null, 204)
}
