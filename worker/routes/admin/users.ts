// /api/admin/users: staff manage accounts through a few editable fields; every write is audited.

import { count, desc, inArray, or, type SQL, sql } from 'drizzle-orm'
import { Hono } from 'hono'
import { normalizeEmail } from '../../../protocol/account-rules.ts'
import { endSessions, userChanged } from '../../accounts/session-end.ts'
import { type AdminUserPatch, parseAdminUserPatch } from '../../admin/inputs.ts'
import type { FernetKeyring } from '../../crypto/fernet.ts'
import { keyringOf, sealName } from '../../crypto/keys.ts'
import { auditStatement } from '../../db/audit.ts'
import { users } from '../../db/schema.ts'
import { revokeOtherSessionsStatement } from '../../db/sessions.ts'
import {
  findUser,
  liveUser,
  sealNames,
  toUser,
  type UserRow,
  updateNamesStatements,
  usersNamed,
} from '../../db/users.ts'
import type { AppEnv, Db } from '../../env.ts'
import { body } from '../../http/body.ts'
import { parsePage } from '../../http/params.ts'
import { Problem } from '../../http/problem.ts'

async function toAdminUser(keys: FernetKeyring, row: UserRow) {
  return {
    ...(await toUser(keys, row)),
    isActive: row.isActive,
    lastLogin: row.lastLogin,
    // Parley's addition: when the account was deleted (its row stays as a tombstone).
    ...(row.deletedAt ? { deletedAt: row.deletedAt } : {}),
  }
}

/** Email substring, or every word of q as a whole name word (blind index). */
async function matchUsers(db: Db, indexKey: string, q: string): Promise<SQL | undefined> {
  const text = normalizeEmail(q)
  if (text === '') return undefined
  const escaped = text.replace(/[\\%_]/g, (ch) => `\\${ch}`)
  const byEmail = sql`${users.email} like ${`%${escaped}%`} escape '\\'`
  const { ids: byName } = await usersNamed(db, indexKey, text)
  return byName ? or(byEmail, inArray(users.id, byName)) : byEmail
}

const notFound = () => new Problem(404, 'user-not-found', 'There is no user with that id.')

export const adminUsers = new Hono<AppEnv>()
  .get('/', async (c) => {
    const { page, pageSize } = parsePage(c.req.query('page'), c.req.query('pageSize'))
    const db = c.var.db
    const where = await matchUsers(db, c.env.NAME_INDEX_KEY, c.req.query('q') ?? '')
    const [rows, [total]] = await Promise.all([
      db
        .select()
        .from(users)
        .where(where)
        .orderBy(desc(users.dateJoined), users.id)
        .limit(pageSize)
        .offset((page - 1) * pageSize)
        .all(),
      db.select({ n: count() }).from(users).where(where).all(),
    ])
    const keys = await keyringOf(c.env)
    return c.json({ users: await Promise.all(rows.map((r) => toAdminUser(keys, r))), total: total?.n ?? 0 })
  })

  .get('/:id', async (c) => {
    const row = await findUser(c.var.db, c.req.param('id'))
    if (!row) throw notFound()
    return c.json({ user: await toAdminUser(await keyringOf(c.env), row) })
  })

  .patch(
    '/:id',
    // Target and role checks come before the body, as the contract orders them; conflicts
    // (409) after it.
    async (c, next) => {
      const target = await findUser(c.var.db, c.req.param('id'))
      if (!target) throw notFound()
      const actor = c.var.user
      if (target.id !== actor.id && (target.isStaff || target.isSuperuser) && !actor.isSuperuser) {
        throw new Problem(403, 'superuser-only', 'Only a superuser can edit another staff member or a superuser.')
      }
      await next()
    },
    body(parseAdminUserPatch),
    async (c) => {
      const patch = c.req.valid('json')
      const actor = c.var.user
      const db = c.var.db
      const target = (await findUser(db, c.req.param('id')))!
      if (patch.isStaff !== undefined && !actor.isSuperuser) {
        throw new Problem(403, 'superuser-only', 'Only a superuser can grant or remove the staff role.', {
          isStaff: 'Only a superuser can change this.',
        })
      }
      // A deleted account stays a tombstone (CONTRACT.md: Deleting an account): nothing to edit.
      if (target.deletedAt) throw new Problem(409, 'account-deleted', 'This account was deleted. It cannot be edited.')
      if (target.id === actor.id && patch.isActive === false) {
        throw new Problem(409, 'self-lockout', 'You cannot deactivate your own account.', {
          isActive: 'You cannot deactivate yourself.',
        })
      }
      if (target.id === actor.id && patch.isStaff === false) {
        throw new Problem(409, 'self-lockout', 'You cannot remove your own staff role.', {
          isStaff: 'You cannot remove your own staff role.',
        })
      }
      const keys = await keyringOf(c.env)
      const before = await toUser(keys, target)
      const changes = await describeChanges(keys, patch, before, target)
      const statements = []
      if (patch.firstName !== undefined || patch.lastName !== undefined) {
        const sealed = await sealNames(
          keys,
          c.env.NAME_INDEX_KEY,
          patch.firstName ?? before.firstName,
          patch.lastName ?? before.lastName,
        )
        statements.push(...updateNamesStatements(db, target.id, sealed))
      }
      const flags: Partial<typeof users.$inferInsert> = {}
      if (patch.isActive !== undefined) flags.isActive = patch.isActive
      if (patch.isStaff !== undefined) flags.isStaff = patch.isStaff
      if (Object.keys(flags).length > 0) statements.push(db.update(users).set(flags).where(liveUser(target.id)))
      const deactivated = target.isActive && patch.isActive === false
      const revokeAt = statements.length
      if (deactivated) statements.push(revokeOtherSessionsStatement(db, target.id))
      // A write that changes nothing is not an admin action worth recording.
      if (Object.keys(changes).length > 0) {
        statements.push(
          auditStatement(db, {
            actorId: actor.id,
            action: 'user.update',
            targetType: 'user',
            targetId: target.id,
            changes,
          }),
        )
      }
      const results =
        statements.length > 0
          ? await db.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]])
          : []
      // Every session and socket of a deactivated user ends now, not at their next request;
      // the revoked ids also refuse any upgrade of theirs still on its way.
      if (deactivated) {
        const revoked = results[revokeAt] as { id: string }[]
        await endSessions(
          c.env,
          target.id,
          revoked.map((r) => r.id),
        )
      }
      // Names and roles: the user's next request reads them again (ADR 010).
      if (statements.length > 0) await userChanged(c.env, target.id)
      const updated = (await findUser(db, target.id))!
      return c.json({ user: await toAdminUser(keys, updated) })
    },
  )

/** `{ field: { from, to } }` for what actually changes; name values as Fernet tokens. */
async function describeChanges(
  keys: FernetKeyring,
  patch: AdminUserPatch,
  before: { firstName: string; lastName: string },
  row: UserRow,
): Promise<Record<string, { from: unknown; to: unknown }>> {
  const changes: Record<string, { from: unknown; to: unknown }> = {}
  for (const key of ['firstName', 'lastName'] as const) {
    const to = patch[key]
    if (to !== undefined && to !== before[key]) {
      changes[key] = { from: await sealName(keys, before[key]), to: await sealName(keys, to) }
    }
  }
  if (patch.isActive !== undefined && patch.isActive !== row.isActive) {
    changes.isActive = { from: row.isActive, to: patch.isActive }
  }
  if (patch.isStaff !== undefined && patch.isStaff !== row.isStaff) {
    changes.isStaff = { from: row.isStaff, to: patch.isStaff }
  }
  return changes
}
