// The audit log: every admin write and every staff view of stored messages. Append-only:
// no route updates or deletes a row. One exception: deleting an account strips the user's
// names (Fernet tokens) from the `user.update` entries about them (db/account-deletion.ts).
import { and, count, desc, eq, type SQL } from 'drizzle-orm'
import type { Db } from '../env.ts'
import { auditLog } from './schema.ts'

export interface AuditEvent {
  actorId: string | null
  action: string
  targetType: 'user' | 'conversation' | 'keys'
  targetId: string
  /** Name values in here must already be Fernet tokens. */
  changes: Record<string, unknown>
}

export function auditStatement(db: Db, e: AuditEvent, at = new Date()) {
  return db.insert(auditLog).values({
    id: crypto.randomUUID(),
    actorId: e.actorId,
    action: e.action,
    targetType: e.targetType,
    targetId: e.targetId,
    changes: JSON.stringify(e.changes),
    at: at.toISOString(),
  })
}

export async function listAudit(
  db: Db,
  filter: { actorId?: string; targetId?: string },
  page: number,
  pageSize: number,
) {
  const conditions: SQL[] = []
  if (filter.actorId) conditions.push(eq(auditLog.actorId, filter.actorId))
  if (filter.targetId) conditions.push(eq(auditLog.targetId, filter.targetId))
  const where = conditions.length > 0 ? and(...conditions) : undefined
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(auditLog)
      .where(where)
      .orderBy(desc(auditLog.at), desc(auditLog.id))
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .all(),
    db.select({ n: count() }).from(auditLog).where(where).all(),
  ])
  return {
    entries: rows.map((r) => ({
      id: r.id,
      actorId: r.actorId,
      action: r.action,
      targetType: r.targetType,
      targetId: r.targetId,
      changes: JSON.parse(r.changes) as unknown,
      at: r.at,
    })),
    total: total?.n ?? 0,
  }
}
