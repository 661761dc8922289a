// Tells the objects that enforce and show a block what D1 now says about a pair (CONTRACT.md:
// Blocking): the pair's room, which refuses changes (also on open sockets), and both members'
// inboxes, whose conversation entries carry `blocked`. Safe to repeat: each call states the
// whole truth, so a call after a failed one mends what the failed one missed.
import { blockersBetween, blockStateFor } from '../db/blocks.ts'
import type { Db, Env } from '../env.ts'
import { inboxOf } from '../inbox/inbox-key.ts'
import { roomFor, sortedMembers } from '../rooms/room-key.ts'

/** Rounds of read-tell-read before giving up to the next upgrade or history call (which also mend). */
const MAX_ROUNDS = 4

export async function syncBlocks(env: Env, db: Db, a: string, b: string): Promise<void> {
  // Read back, not computed by the caller: the other member may have changed theirs meanwhile.
  let blockers = await blockersBetween(db, a, b)
  for (let round = 1; ; round++) {
    await Promise.all([
      roomFor(env, a, b).stub.setBlocks(sortedMembers(a, b), blockers),
      inboxOf(env, a).setBlock(b, blockStateFor(a, blockers)),
      inboxOf(env, b).setBlock(a, blockStateFor(b, blockers)),
    ])
    // Two changes to one pair at once (both members, or a quick toggle) may reach the objects
    // in either order. Reading D1 again after ours arrived settles it: the call that arrives
    // last was made before a read that saw the final state, so it states that state or its
    // caller tells them again.
    const now = await blockersBetween(db, a, b)
    if (sameMembers(now, blockers) || round === MAX_ROUNDS) return
    blockers = now
  }
}

function sameMembers(x: readonly string[], y: readonly string[]): boolean {
  return x.length === y.length && x.every((id) => y.includes(id))
}
