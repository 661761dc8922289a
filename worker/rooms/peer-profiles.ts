// Members' names and emails for the `ready` frame, read through worker/db and kept briefly
// (names can change); concurrent upgrades (a reconnect storm) share one look-up.
import type { Peer } from '../../protocol/api.ts'
import { findPeer } from '../db/peers.ts'
import type { Env } from '../env.ts'

/** A member's profile is read from D1 at most this often. */
const PEER_CACHE_MS = 60_000

export class PeerProfiles {
  private readonly peers = new Map<string, { peer: Promise<Peer | null>; at: number }>()

  constructor(private readonly env: Env) {}

  of(userId: string): Promise<Peer | null> {
    const now = Date.now()
    const hit = this.peers.get(userId)
    if (hit && now - hit.at < PEER_CACHE_MS) return hit.peer
    const peer = findPeer(this.env, userId)
    this.peers.set(userId, { peer, at: now })
    // A failed or empty look-up is not kept.
    void peer
      .catch(() => null)
      .then((found) => {
        if (!found && this.peers.get(userId)?.peer === peer) this.peers.delete(userId)
      })
    return peer
  }

  /** The profile the Worker read for this upgrade (peer-header.ts): fresher than any cached one. */
  prime(userId: string, peer: Peer): void {
    this.peers.set(userId, { peer: Promise.resolve(peer), at: Date.now() })
  }

  /** The member's profile changed for good (their account was deleted): read it again. */
  forget(userId: string): void {
    this.peers.delete(userId)
  }
}
