// The systems one generator drives with the same frames: Parley through its public
// contract, and the two references, which take no auth and name a pair in the path.
import type { BenchUser } from './accounts.ts'
import type { Endpoint } from './client.ts'

export type TargetName = 'parley' | 'relay-do' | 'relay-do-sql' | 'node-relay'

export const TARGET_LABELS: Record<TargetName, string> = {
  parley: 'Parley',
  'relay-do': 'bare relay DO',
  'relay-do-sql': 'relay DO + SQLite insert per message (diagnostic)',
  'node-relay': 'Node in-memory relay',
}

export interface PairEndpoints {
  /** The two members' user ids, as `senderId` will name them. */
  ids: [string, string]
  /** Each member's chat socket, in the same order. */
  chat: [Endpoint, Endpoint]
  /** Each member's notifications socket (Parley only). */
  notifications?: [Endpoint, Endpoint]
  /** Each member's history route (Parley only): GET /api/conversations/:peerId/messages. */
  history?: [HistoryEndpoint, HistoryEndpoint]
}

export interface HistoryEndpoint {
  url(before: number | null, limit: number): string
  cookie: string
}

export interface Target {
  name: TargetName
  /** Whether the target keeps messages, so a reconnect can resume with `?after=`. */
  durable: boolean
  pair(index: number): PairEndpoints
}

export interface ParleyTargetOptions {
  /** False: every chat socket opens as a page that is not on screen (`?viewing=false`), so each message owes its recipient a notification. */
  viewing?: boolean
}

/** Pair i is users 2i and 2i+1, so every run talks in the same rooms. */
export function parleyTarget(baseUrl: string, users: BenchUser[], options: ParleyTargetOptions = {}): Target {
  const ws = baseUrl.replace(/^http/, 'ws')
  const hidden = options.viewing === false
  const chat = (self: BenchUser, peer: BenchUser): Endpoint => ({
    url: (after, since) => {
      const query: string[] = []
      if (after !== null) {
        query.push(`after=${after}`)
        if (since !== null && since !== undefined) query.push(`since=${since}`)
      }
      if (hidden) query.push('viewing=false')
      return `${ws}/api/conversations/${peer.id}/ws${query.length > 0 ? `?${query.join('&')}` : ''}`
    },
    headers: { cookie: self.cookie },
  })
  const history = (self: BenchUser, peer: BenchUser): HistoryEndpoint => ({
    url: (before, limit) =>
      `${baseUrl}/api/conversations/${peer.id}/messages?limit=${limit}${before === null ? '' : `&before=${before}`}`,
    cookie: self.cookie,
  })
  const notifications = (self: BenchUser): Endpoint => ({
    url: () => `${ws}/api/notifications/ws`,
    headers: { cookie: self.cookie },
  })
  return {
    name: 'parley',
    durable: true,
    pair(index) {
      const a = users[2 * index]
      const b = users[2 * index + 1]
      if (!a || !b) throw new Error(`no bench accounts for pair ${index}`)
      return {
        ids: [a.id, b.id],
        chat: [chat(a, b), chat(b, a)],
        notifications: [notifications(a), notifications(b)],
        history: [history(a, b), history(b, a)],
      }
    },
  }
}

/** The references: `/rooms/<pair>/ws?user=<id>` (`/sql-rooms/` stores too); the relay assigns seqs per pair. */
export function relayTarget(name: Exclude<TargetName, 'parley'>, baseUrl: string): Target {
  const ws = baseUrl.replace(/^http/, 'ws')
  const rooms = name === 'relay-do-sql' ? 'sql-rooms' : 'rooms'
  return {
    name,
    durable: false,
    pair(index) {
      const ids: [string, string] = [`p${index}a`, `p${index}b`]
      const endpoint = (self: string): Endpoint => ({ url: () => `${ws}/${rooms}/p${index}/ws?user=${self}` })
      return { ids, chat: [endpoint(ids[0]), endpoint(ids[1])] }
    },
  }
}
