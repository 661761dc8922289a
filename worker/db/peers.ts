// A user as the other member of a conversation sees them, for objects that hold only ids;
// and the peer row with the pair's blocks in one statement, for the Worker's conversation
// routes (a reconnect storm costs at most 2 D1 queries per upgrade: ADR 012).
import { and, eq, or, sql } from 'drizzle-orm'
import type { Peer } from '../../protocol/api.ts'
import { keyringOf } from '../crypto/keys.ts'
import type { Db, Env } from '../env.ts'
import { openDb } from './client.ts'
import { blocks, users } from './schema.ts'
import { findPeers, type UserRow } from './users.ts'

export async function findPeer(env: Env, userId: string): Promise<Peer | null> {
  const [peer] = await findPeers(openDb(env.DB), await keyringOf(env), [userId])
  return peer ?? null
}

/**
 * The row of `peerId` and, of the pair (`me`, `peerId`), the members who blocked the other
 * (sorted, like blockersBetween); undefined when there is no such user. One statement: the
 * blocks come from a correlated subquery on the blocks table's primary key.
 */
export async function findPeerWithBlockers(
  db: Db,
  me: string,
  peerId: string,
): Promise<{ peer: UserRow; blockers: string[] } | undefined> {
  const blockers = db
    .select({ ids: sql<string | null>`group_concat(${blocks.blockerId})`.as('ids') })
    .from(blocks)
    .where(
      or(
        and(eq(blocks.blockerId, me), eq(blocks.blockedId, peerId)),
        and(eq(blocks.blockerId, peerId), eq(blocks.blockedId, me)),
      ),
    )
  const row = await db
    .select({ peer: users, blockers: sql<string | null>`(${blockers})` })
    .from(users)
    .where(eq(users.id, peerId))
    .get()
  if (!row) return undefined
  return { peer: row.peer, blockers: row.blockers ? row.blockers.split(',').sort() : [] }
}
