// Who blocked whom, in D1 (CONTRACT.md: Blocking): the rows, the audited writes, the list a
// member sees in Settings, and a pair's state as the room and the inboxes take it.
import { and, desc, eq, or } from 'drizzle-orm'
import type { BlockState, Peer } from '../../protocol/api.ts'
import type { FernetKeyring } from '../crypto/fernet.ts'
import type { Db } from '../env.ts'
import { auditStatement } from './audit.ts'
import { blocks, users } from './schema.ts'
import { peerColumns, toPeer } from './users.ts'

/** Of the pair, the members who blocked the other (none, one, or both), sorted. */
export async function blockersBetween(db: Db, a: string, b: string): Promise<string[]> {
  const rows = await db
    .select({ blockerId: blocks.blockerId })
    .from(blocks)
    .where(
      or(and(eq(blocks.blockerId, a), eq(blocks.blockedId, b)), and(eq(blocks.blockerId, b), eq(blocks.blockedId, a))),
    )
    .all()
  return rows.map((r) => r.blockerId).sort()
}

/** The pair's state as `viewer` sees it: their own block comes first, it is theirs to lift. */
export function blockStateFor(viewer: string, blockers: readonly string[]): BlockState {
  if (blockers.includes(viewer)) return 'by-me'
  return blockers.length > 0 ? 'by-peer' : 'none'
}

/**
 * Records the block (or its removal) with its audit entry in one batch; false when it was so
 * already, and then nothing is written: repeating a PUT or DELETE audits nothing new.
 */
export async function setBlock(db: Db, blockerId: string, blockedId: string, on: boolean): Promise<boolean> {
  const where = and(eq(blocks.blockerId, blockerId), eq(blocks.blockedId, blockedId))
  const existing = await db.select({ at: blocks.createdAt }).from(blocks).where(where).get()
  if (!!existing === on) return false
  const at = new Date()
  const audit = auditStatement(
    db,
    {
      actorId: blockerId,
      action: on ? 'user.block' : 'user.unblock',
      targetType: 'user',
      targetId: blockedId,
      changes: {},
    },
    at,
  )
  const write = on
    ? db.insert(blocks).values({ blockerId, blockedId, createdAt: at.toISOString() }).onConflictDoNothing()
    : db.delete(blocks).where(where)
  await db.batch([write, audit])
  return true
}

/** The people `userId` blocked, the latest first, names decrypted (CONTRACT.md: GET /api/me/blocks). */
export async function listBlockedPeers(db: Db, keys: FernetKeyring, userId: string): Promise<Peer[]> {
  const rows = await db
    .select(peerColumns)
    .from(blocks)
    .innerJoin(users, eq(users.id, blocks.blockedId))
    .where(eq(blocks.blockerId, userId))
    .orderBy(desc(blocks.createdAt), blocks.blockedId)
    .all()
  return Promise.all(rows.map((r) => toPeer(keys, r)))
}
