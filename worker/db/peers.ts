// A user as the other member of a conversation sees them, for objects that hold only ids.
import type { Peer } from '../../protocol/api.ts'
import { keyringOf } from '../crypto/keys.ts'
import type { Env } from '../env.ts'
import { openDb } from './client.ts'
import { findUser, toPeer } from './users.ts'

export async function findPeer(env: Env, userId: string): Promise<Peer | null> {
  const row = await findUser(openDb(env.DB), userId)
  return row ? toPeer(await keyringOf(env), row) : null
}
