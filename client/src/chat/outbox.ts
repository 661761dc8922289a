// Messages written but not yet acknowledged, per conversation, kept in sessionStorage so a
// reload or a crash of the tab does not lose what someone typed while offline.

export interface OutgoingMessage {
  clientId: string
  body: string
  createdAt: string
}

const PREFIX = 'parley.outbox.'

function key(userId: string, peerId: string): string {
  return `${PREFIX}${userId}.${peerId}`
}

function storage(): Storage | null {
  try {
    return window.sessionStorage
  } catch {
    // Storage can be switched off; the queue then lives in memory only.
    return null
  }
}

export function loadOutbox(userId: string, peerId: string): OutgoingMessage[] {
  const raw = storage()?.getItem(key(userId, peerId))
  if (!raw) return []
  try {
    const items: unknown = JSON.parse(raw)
    if (!Array.isArray(items)) return []
    return items.filter(
      (m): m is OutgoingMessage =>
        typeof m === 'object' &&
        m !== null &&
        typeof m.clientId === 'string' &&
        typeof m.body === 'string' &&
        typeof m.createdAt === 'string',
    )
  } catch {
    return []
  }
}

export function saveOutbox(userId: string, peerId: string, items: OutgoingMessage[]): void {
  const store = storage()
  if (!store) return
  try {
    if (items.length === 0) store.removeItem(key(userId, peerId))
    else store.setItem(key(userId, peerId), JSON.stringify(items))
  } catch {
    // Quota: the queue still lives in memory.
  }
}

/** Peers with messages still waiting, so a fresh tab can send them without being opened. */
export function peersWithOutbox(userId: string): string[] {
  const store = storage()
  if (!store) return []
  const prefix = `${PREFIX}${userId}.`
  const peers: string[] = []
  for (let i = 0; i < store.length; i++) {
    const k = store.key(i)
    if (k?.startsWith(prefix)) peers.push(k.slice(prefix.length))
  }
  return peers
}
