// A user as the other member of a conversation sees them, for objects that hold only ids.
import type { Peer } from '../../protocol/api.ts'
import { keyringOf } from '../crypto/keys.ts'
import type { Env } from '../env.ts'
import { openDb } from './client.ts'
import { findPeers } from './users.ts'

export async function findPeer(env: Env, userId: string): Promise<Peer | null> {
  const [peer] = await findPeers(openDb(env.DB), await keyringOf(env), [userId])
  return peer ?? null
}
