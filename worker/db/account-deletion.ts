// Deleting an account in D1 (CONTRACT.md: Deleting an account): the user row stays as a
// tombstone (see users.deleted_at in schema.ts), everything personal in D1 goes in one batch.
import { and, eq, or, sql } from 'drizzle-orm'
import type { Db } from '../env.ts'
import { auditStatement } from './audit.ts'
import { auditLog, blocks, nameIndex, rooms, sessions, users } from './schema.ts'

/** Never a valid address (no `@`), unique per user, so the real email can register again. */
export function tombstoneEmail(userId: string): string {
  return `deleted:${userId}`
}

/**
 * Empties the row (email, names, password hash), removes its name index, its blocks both
 * ways and its sessions, and audits it: all or nothing. Names are not in the audit entry,
 * and staff edits of the user's names lose them from theirs (`user.update` keeps its other
 * changes): the one change ever made to written audit rows, since the names are the
 * person's data the deletion removes (ADR 009).
 */
export async function deleteAccountRows(db: Db, userId: string, at = new Date()): Promise<void> {
  await db.batch([
    db
      .update(users)
      .set({
        email: tombstoneEmail(userId),
        firstName: '',
        lastName: '',
        passwordHash: '',
        isActive: false,
        isStaff: false,
        isSuperuser: false,
        deletedAt: at.toISOString(),
      })
      .where(eq(users.id, userId)),
    db.delete(nameIndex).where(eq(nameIndex.userId, userId)),
    db.delete(blocks).where(or(eq(blocks.blockerId, userId), eq(blocks.blockedId, userId))),
    db.delete(sessions).where(eq(sessions.userId, userId)),
    db
      .update(auditLog)
      .set({ changes: sql`json_remove(${auditLog.changes}, '$.firstName', '$.lastName')` })
      .where(
        and(
          eq(auditLog.targetType, 'user'),
          eq(auditLog.targetId, userId),
          sql`(json_type(${auditLog.changes}, '$.firstName') is not null or json_type(${auditLog.changes}, '$.lastName') is not null)`,
        ),
      ),
    auditStatement(
      db,
      { actorId: userId, action: 'account.delete', targetType: 'user', targetId: userId, changes: {} },
      at,
    ),
  ])
}

/** Whether the account was deleted (the tombstone is there). */
export async function isDeletedAccount(db: Db, userId: string): Promise<boolean> {
  const row = await db.select({ deletedAt: users.deletedAt }).from(users).where(eq(users.id, userId)).get()
  return !!row?.deletedAt
}

/**
 * Every room D1 lists the user in. Two bound parameters; a user with very many rooms gets
 * one long list, which is only ids.
 */
export async function roomsOfMember(db: Db, userId: string): Promise<string[]> {
  const rows = await db
    .select({ id: rooms.id })
    .from(rooms)
    .where(or(eq(rooms.memberA, userId), eq(rooms.memberB, userId)))
    .all()
  return rows.map((r) => r.id)
}
