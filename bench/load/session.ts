// A set of connected pairs on one target: both members' chat sockets (and, for the idle
// test, their notifications sockets), opened with bounded concurrency.
import { LiveSocket, type ReconnectPolicy } from './client.ts'
import { inPool } from './http.ts'
import type { NetCounters } from './stats.ts'
import type { HistoryEndpoint, Target } from './targets.ts'
import { MemberView } from './views.ts'

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
  /** Parley: this member's history route. */
  history: HistoryEndpoint | null
  /** With `views`: the conversation as this member's socket showed it, over the whole session. */
  view: MemberView | null
  /** Seq this member's first `ready` reported: the view holds only what came after. */
  openedAt: number
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
  /** Each member keeps its own view of the conversation from its socket's frames. */
  views?: boolean
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
        history: ends.history?.[side] ?? null,
        view: opts.views ? new MemberView() : null,
        openedAt: 0,
      })
      const m = members.at(-1)!
      const view = m.view
      if (view) m.chat.observer = (message) => view.apply(message)
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
      m.openedAt = Math.max(0, m.chat.lastSeq)
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
