// Tells the objects that enforce and show a block what D1 now says about a pair (CONTRACT.md:
// Blocking): the pair's room, which refuses changes (also on open sockets), and both members'
// inboxes, whose conversation entries carry `blocked`. Safe to repeat: each call states the
// whole truth, so a call after a failed one mends what the failed one missed.
import { blockersBetween, blockStateFor } from '../db/blocks.ts'
import type { Db, Env } from '../env.ts'
import { inboxOf } from '../inbox/inbox-key.ts'
import { roomFor, sortedMembers } from '../rooms/room-key.ts'

export async function syncBlocks(env: Env, db: Db, a: string, b: string): Promise<void> {
  // Read back, not computed by the caller: the other member may have changed theirs meanwhile.
  const blockers = await blockersBetween(db, a, b)
  await Promise.all([
    roomFor(env, a, b).stub.setBlocks(sortedMembers(a, b), blockers),
    inboxOf(env, a).setBlock(b, blockStateFor(a, blockers)),
    inboxOf(env, b).setBlock(a, blockStateFor(b, blockers)),
  ])
}
