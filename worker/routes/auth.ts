// /api/auth: register, login, logout (CONTRACT.md: Accounts).

import { eq } from 'drizzle-orm'
import { Hono } from 'hono'
import { parseLogin, parseRegister } from '../accounts/inputs.ts'
import { endSessions } from '../accounts/session-end.ts'
import { keyringOf } from '../crypto/keys.ts'
import { burnPasswordCheck, hashPassword, needsRehash, verifyPassword } from '../crypto/password.ts'
import { nameIndex, sessions, users } from '../db/schema.ts'
import { newSession, revokeSessionStatement } from '../db/sessions.ts'
import { findUserByEmail, nameIndexRows, sealNames, toUser } from '../db/users.ts'
import type { AppEnv } from '../env.ts'
import { body } from '../http/body.ts'
import { Problem } from '../http/problem.ts'
import { clientAddress, limiter, limitsOf, tooMany } from '../http/rate-limit.ts'
import { clearSessionCookie, issueSessionCookie, requireSession } from '../http/session.ts'

const emailTaken = () =>
  new Problem(409, 'email-taken', 'That email is already registered. Sign in instead.', {
    email: 'That email is already registered.',
  })

// One body for unknown email and wrong password, so a response never tells which.
const badCredentials = () => new Problem(401, 'bad-credentials', 'The email or password is not correct.')

export const auth = new Hono<AppEnv>()
  .post('/register', body(parseRegister), async (c) => {
    const input = c.req.valid('json')
    const db = c.var.db
    if (await findUserByEmail(db, input.email)) throw emailTaken()
    const limits = limitsOf(c.env)
    const verdict = await limiter(c.env, `register-ip:${clientAddress(c.req.raw)}`).hit(
      limits.registrationsPerIp,
      limits.registrationsPerIpWindowS,
    )
    if (!verdict.allowed) throw tooMany(verdict.retryAfter, 'Too many accounts were created from your network.')

    const keys = await keyringOf(c.env)
    const sealed = await sealNames(keys, c.env.NAME_INDEX_KEY, input.firstName, input.lastName)
    const now = new Date()
    const user = {
      id: crypto.randomUUID(),
      email: input.email,
      passwordHash: hashPassword(input.password),
      firstName: sealed.firstName,
      lastName: sealed.lastName,
      isActive: true,
      isStaff: false,
      isSuperuser: false,
      dateJoined: now.toISOString(),
      lastLogin: now.toISOString(),
      lastActiveAt: now.toISOString(),
    }
    const session = newSession(user.id, c.req.header('user-agent') ?? '', now)
    const rows = nameIndexRows(user.id, sealed.tokens)
    try {
      await db.batch([
        db.insert(users).values(user),
        db.insert(sessions).values(session),
        ...(rows.length > 0 ? [db.insert(nameIndex).values(rows)] : []),
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
    const ipLimiter = limiter(c.env, `login-ip:${clientAddress(c.req.raw)}`)
    const emailLimiter = limiter(c.env, `login-email:${email}`)
    const [ipVerdict, emailVerdict] = await Promise.all([
      ipLimiter.peek(limits.loginFailsPerIp, limits.loginFailsPerIpWindowS),
      emailLimiter.lockoutStatus(),
    ])
    if (!ipVerdict.allowed) throw tooMany(ipVerdict.retryAfter, 'Too many failed sign-ins from your network.')
    if (!emailVerdict.allowed) throw tooMany(emailVerdict.retryAfter, 'Too many failed sign-ins for this email.')

    const db = c.var.db
    const row = await findUserByEmail(db, email)
    let ok = false
    if (row) ok = verifyPassword(password, row.passwordHash)
    else burnPasswordCheck(password)
    if (!row || !ok || !row.isActive) {
      if (!ok) {
        await Promise.all([
          ipLimiter.hit(limits.loginFailsPerIp, limits.loginFailsPerIpWindowS),
          emailLimiter.recordFailure(limits.loginFailsPerEmail, limits.loginEmailLockoutS),
        ])
      }
      throw badCredentials()
    }
    await emailLimiter.resetFailures()

    const now = new Date()
    const session = newSession(row.id, c.req.header('user-agent') ?? '', now)
    const update: Partial<typeof users.$inferInsert> = { lastLogin: now.toISOString(), lastActiveAt: now.toISOString() }
    if (needsRehash(row.passwordHash)) update.passwordHash = hashPassword(password)
    await db.batch([db.update(users).set(update).where(eq(users.id, row.id)), db.insert(sessions).values(session)])
    await issueSessionCookie(c, row, session)
    return c.json({ user: await toUser(await keyringOf(c.env), row) })
  })

  .post('/logout', requireSession, async (c) => {
    const { sessionId, user } = c.var.session
    await revokeSessionStatement(c.var.db, user.id, sessionId).run()
    c.executionCtx.waitUntil(endSessions(c.env, user.id, [sessionId]))
    clearSessionCookie(c)
    return c.body(null, 204)
  })
