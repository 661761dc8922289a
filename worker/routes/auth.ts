// /api/auth: register, login, logout (CONTRACT.md: Accounts).

import { eq } from 'drizzle-orm'
import { Hono } from 'hono'
import { parseLogin, parseRegister } from '../accounts/inputs.ts'
import { endSessions } from '../accounts/session-end.ts'
import { keyringOf } from '../crypto/keys.ts'
import { NAME_INDEX_VERSION } from '../crypto/name-index.ts'
import { needsRehash } from '../crypto/password.ts'
import { sessions, users } from '../db/schema.ts'
import { newSession, revokeSessionStatement } from '../db/sessions.ts'
import {
  findUserByEmail,
  nameIndexInserts,
  refreshNameIndexStatements,
  sealNames,
  toUser,
  type UserRow,
} from '../db/users.ts'
import type { AppEnv } from '../env.ts'
import { body } from '../http/body.ts'
import { Problem } from '../http/problem.ts'
import { clientAddress, limitsOf, reserveRegistration, reserveSignIn, takeHashSlot } from '../http/rate-limit.ts'
import { clearSessionCookie, issueSessionCookie, requireSession } from '../http/session.ts'

const emailTaken = () =>
  new Problem(409, 'email-taken', 'That email is already registered. Sign in instead.', {
    email: 'That email is already registered. Sign in instead.',
  })

// One body for unknown email and wrong password, so a response never tells which.
const badCredentials = () => new Problem(401, 'bad-credentials', 'The email or password is not correct.')

export const auth = new Hono<AppEnv>()
  .post('/register', body(parseRegister), async (c) => {
    const input = c.req.valid('json')
    const db = c.var.db
    const limits = limitsOf(c.env)
    // Counted before the email is looked up, a taken one included (issue 10).
    const registration = await reserveRegistration(c.env, limits, clientAddress(c.req.raw))
    const slot = await takeHashSlot(limits, registration.refund)
    let passwordHash: string
    try {
      // Inside the slot, so a burst of new emails never has more than a few of these pending.
      const lookup = await registration.reserveTakenEmail()
      if (await findUserByEmail(db, input.email)) throw emailTaken()
      await lookup.free()
      passwordHash = await slot.hash(input.password)
    } finally {
      slot.release()
    }

    const keys = await keyringOf(c.env)
    const sealed = await sealNames(keys, c.env.NAME_INDEX_KEY, input.firstName, input.lastName)
    const now = new Date()
    const user = {
      id: crypto.randomUUID(),
      email: input.email,
      passwordHash,
      firstName: sealed.firstName,
      lastName: sealed.lastName,
      isActive: true,
      isStaff: false,
      isSuperuser: false,
      dateJoined: now.toISOString(),
      lastLogin: now.toISOString(),
      lastActiveAt: now.toISOString(),
      readReceipts: true,
      deletedAt: null,
      nameIndexVersion: NAME_INDEX_VERSION,
    }
    const session = newSession(user.id, c.req.header('user-agent') ?? '', now)
    try {
      await db.batch([
        db.insert(users).values(user),
        db.insert(sessions).values(session),
        ...nameIndexInserts(db, user.id, sealed.tokens),
      ])
    } catch (err) {
      // Two registrations of one email racing: the unique index decides, nothing is left half-written.
      if (String(err).includes('UNIQUE')) throw emailTaken()
      throw err
    }
    await issueSessionCookie(c, user, session)
    return c.json({ user: await toUser(keys, user) }, 201)
  })

  .post('/login', body(parseLogin), async (c) => {
    const { email, password } = c.req.valid('json')
    const limits = limitsOf(c.env)
    // Counted as a failure before the lookup and the hash, so parallel guesses cannot
    // outrun the count; a success or a busy refusal hands it back (issue 10).
    const attempt = await reserveSignIn(c.env, limits, clientAddress(c.req.raw), email)
    const slot = await takeHashSlot(limits, attempt.refund)
    const db = c.var.db
    let row: UserRow | undefined
    let ok = false
    let deactivated = false
    let rehashed: string | undefined
    try {
      row = await findUserByEmail(db, email)
      if (row) ok = await slot.verify(password, row.passwordHash)
      else await slot.burn(password)
      // A deactivated account's right password still counts as a failure, but only someone
      // who knows it learns why they cannot sign in (issue 14): never from a wrong one.
      if (row && ok && !row.isActive) {
        ok = false
        deactivated = true
      }
      if (row && ok && needsRehash(row.passwordHash)) rehashed = await slot.hash(password)
    } catch (err) {
      await attempt.refund()
      throw err
    } finally {
      slot.release()
    }
    if (deactivated)
      throw new Problem(
        403,
        'account-deactivated',
        'This account is deactivated. Ask an administrator of this Parley to reactivate it.',
      )
    if (!row || !ok) throw badCredentials()
    await attempt.succeed()

    const now = new Date()
    const session = newSession(row.id, c.req.header('user-agent') ?? '', now)
    const update: Partial<typeof users.$inferInsert> = { lastLogin: now.toISOString(), lastActiveAt: now.toISOString() }
    if (rehashed) update.passwordHash = rehashed
    const keys = await keyringOf(c.env)
    // An index written before name starts were indexed is brought up to date (name-index.ts).
    const reindex = await refreshNameIndexStatements(db, keys, c.env.NAME_INDEX_KEY, row)
    await db.batch([
      db.update(users).set(update).where(eq(users.id, row.id)),
      db.insert(sessions).values(session),
      ...reindex,
    ])
    await issueSessionCookie(c, row, session)
    return c.json({ user: await toUser(keys, row) })
  })

  .post('/logout', requireSession, async (c) => {
    const { sessionId, user } = c.var.session
    await revokeSessionStatement(c.var.db, user.id, sessionId).run()
    await endSessions(c.env, user.id, [sessionId])
    clearSessionCookie(c)
    return c.body(null, 204)
  })
