// One conversation's state as a Solid store: messages sorted by seq with the unacknowledged
// ones after them, read positions, typing, notices. Merges are idempotent (de-duplicated by
// seq), so the same message arriving by history, replay and live frame shows once.
import { createStore, produce } from 'solid-js/store'
import type { Message, Peer } from '../../../protocol/api.ts'
import type { Notice } from '../../../protocol/frames.ts'

export type MessageStatus = 'queued' | 'sending' | 'sent' | 'failed'

export interface ChatMessage {
  /** Stable through acknowledgement: `${senderId}:${clientId}`. The DOM row keeps its node. */
  key: string
  clientId: string
  /** null until the server acknowledges (stores) the message. */
  seq: number | null
  senderId: string
  body: string
  /** The server holds the message but no key opens it. */
  unreadable?: true
  sentAt: string
  status: MessageStatus
  problem: string | null
}

export interface ConversationState {
  peerId: string
  peer: Peer | null
  /** Acknowledged messages ascending by seq, then pending ones in the order they were written. */
  messages: ChatMessage[]
  /** Ascending by time. */
  notices: Notice[]
  historyLoaded: boolean
  hasMore: boolean
  loadingOlder: boolean
  olderProblem: string | null
  myReadUpTo: number
  peerReadUpTo: number
  peerTyping: boolean
  /** The socket said `ready` on its current connection. */
  ready: boolean
  /** Why this conversation cannot be used (unknown person, yourself, no longer allowed). */
  fatal: string | null
}

export const messageKey = (senderId: string, clientId: string) => `${senderId}:${clientId}`

export function createConversationStore(peerId: string) {
  const [state, setState] = createStore<ConversationState>({
    peerId,
    peer: null,
    messages: [],
    notices: [],
    historyLoaded: false,
    hasMore: false,
    loadingOlder: false,
    olderProblem: null,
    myReadUpTo: 0,
    peerReadUpTo: 0,
    peerTyping: false,
    ready: false,
    fatal: null,
  })
  // Outside the store: lookups that must not subscribe anything.
  const seqs = new Set<number>()

  function firstPendingIndex(list: ChatMessage[]): number {
    let i = list.length
    while (i > 0 && list[i - 1]!.seq === null) i--
    return i
  }

  /** Where a message with this seq goes among the acknowledged ones (binary search). */
  function insertionIndex(list: ChatMessage[], end: number, seq: number): number {
    let lo = 0
    let hi = end
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (list[mid]!.seq! < seq) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Adds acknowledged messages; ones already here are skipped, pending twins are promoted in place. */
  function mergeMessages(incoming: Message[]): ChatMessage[] {
    const added: ChatMessage[] = []
    const fresh = incoming.filter((m) => !seqs.has(m.seq))
    if (fresh.length === 0) return added
    setState(
      produce((s) => {
        for (const m of fresh) {
          if (seqs.has(m.seq)) continue
          seqs.add(m.seq)
          const list = s.messages
          const key = messageKey(m.senderId, m.clientId)
          let pending = firstPendingIndex(list)
          const twin = list.findIndex((x, i) => i >= pending && x.key === key)
          let item: ChatMessage
          if (twin >= 0) {
            // Our own message, acknowledged: the same object moves into place, so its row stays.
            item = list[twin]!
            list.splice(twin, 1)
            item.seq = m.seq
            item.sentAt = m.sentAt
            item.body = m.body
            if (m.unreadable) item.unreadable = true
            item.status = 'sent'
            item.problem = null
          } else {
            item = {
              key,
              clientId: m.clientId,
              seq: m.seq,
              senderId: m.senderId,
              body: m.body,
              ...(m.unreadable ? { unreadable: true as const } : {}),
              sentAt: m.sentAt,
              status: 'sent',
              problem: null,
            }
          }
          pending = firstPendingIndex(list)
          const last = pending > 0 ? list[pending - 1]!.seq! : 0
          const at = m.seq > last ? pending : insertionIndex(list, pending, m.seq)
          list.splice(at, 0, item)
          added.push(item)
        }
      }),
    )
    return added
  }

  function addPending(message: Omit<ChatMessage, 'seq' | 'status' | 'problem'>, status: MessageStatus): void {
    setState('messages', (list) => [...list, { ...message, seq: null, status, problem: null }])
  }

  function setPendingStatus(key: string, status: MessageStatus, problem: string | null = null): void {
    setState(
      'messages',
      (m) => m.key === key && m.seq === null,
      produce((m) => {
        m.status = status
        m.problem = problem
      }),
    )
  }

  function removePending(key: string): void {
    setState('messages', (list) => list.filter((m) => !(m.key === key && m.seq === null)))
  }

  /** Forgets acknowledged messages (kept: pending ones), when a replay cannot bridge the gap. */
  function dropAcknowledged(): void {
    seqs.clear()
    setState('messages', (list) => list.filter((m) => m.seq === null))
  }

  function mergeNotices(incoming: Notice[]): void {
    const have = new Set(state.notices.map((n) => `${n.kind}@${n.at}`))
    const fresh = incoming.filter((n) => !have.has(`${n.kind}@${n.at}`))
    if (fresh.length === 0) return
    setState('notices', (list) => [...list, ...fresh].sort((a, b) => a.at.localeCompare(b.at)))
  }

  /** The highest acknowledged seq here: where a reconnect resumes. */
  function lastSeq(): number {
    const list = state.messages
    const i = firstPendingIndex(list)
    return i > 0 ? list[i - 1]!.seq! : 0
  }

  function firstSeq(): number | null {
    const first = state.messages[0]
    return first && first.seq !== null ? first.seq : null
  }

  return {
    state,
    setState,
    mergeMessages,
    addPending,
    setPendingStatus,
    removePending,
    dropAcknowledged,
    mergeNotices,
    lastSeq,
    firstSeq,
  }
}

export type ConversationStore = ReturnType<typeof createConversationStore>
