// A set of connected pairs on one target: both members' chat sockets (and, for the idle
// test, their notifications sockets), opened with bounded concurrency.
import { LiveSocket, type ReconnectPolicy } from './client.ts'
import { inPool } from './http.ts'
import type { NetCounters } from './stats.ts'
import type { Target } from './targets.ts'

export interface Member {
  /** 2 × pair + side. */
  index: number
  pair: number
  side: 0 | 1
  id: string
  peerId: string
  chat: LiveSocket
  notifications: LiveSocket | null
  /** The highest read of this member the server echoed back (fault runs send reads). */
  readAcked: number
}

export interface Session {
  target: Target
  members: Member[]
  counters: NetCounters
  close(): Promise<void>
}

export interface SessionOptions {
  pairs: number
  policy: ReconnectPolicy
  withNotifications?: boolean
  /** Upgrades in flight at once while connecting. */
  concurrency?: number
}

export async function openSession(target: Target, counters: NetCounters, opts: SessionOptions): Promise<Session> {
  const members: Member[] = []
  for (let pair = 0; pair < opts.pairs; pair++) {
    const ends = target.pair(pair)
    for (const side of [0, 1] as const) {
      const notify = opts.withNotifications ? ends.notifications?.[side] : undefined
      members.push({
        index: 2 * pair + side,
        pair,
        side,
        id: ends.ids[side],
        peerId: ends.ids[1 - side]!,
        chat: new LiveSocket(ends.chat[side], opts.policy, counters),
        notifications: notify ? new LiveSocket(notify, opts.policy, counters, 'unread') : null,
        readAcked: 0,
      })
    }
  }
  const close = async () => {
    await inPool(members, 64, async (m) => {
      await Promise.all([m.chat.close(), m.notifications?.close()])
    })
  }
  try {
    await inPool(members, opts.concurrency ?? 32, async (m) => {
      await m.chat.open()
      await m.notifications?.open()
    })
  } catch (err) {
    await close()
    throw err
  }
  return { target, members, counters, close }
}

export function peerOf(members: Member[], m: Member): Member {
  return members[m.index ^ 1]!
}
