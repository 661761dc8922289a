// One conversation's state as a Solid store: messages sorted by seq with the unacknowledged
// ones after them, changes not yet confirmed, read and delivery positions, typing, notices.
// Merges are idempotent (de-duplicated by seq, newer rev wins), so the same message arriving
// by history, replay and live frame shows once, as it is now.
import { createStore, produce } from 'solid-js/store'
import type { Attachment, BlockState, Message, Peer, ReplyQuote } from '../../../protocol/api.ts'
import type { Notice } from '../../../protocol/frames.ts'
import { DEFAULT_MAX_ATTACHMENT_BYTES } from './attachment-rules.ts'
import { EDIT_WINDOW_MS, type PendingChange, quoteOf } from './message-changes.ts'

export type MessageStatus = 'queued' | 'sending' | 'sent' | 'failed'

/**
 * A file on its way (conversation-files.ts): chosen for the next message (a draft), or in a
 * message not stored yet. `attachment` is set once the server has it.
 */
export interface LocalFile {
  localId: string
  name: string
  type: string
  size: number
  width?: number
  height?: number
  /** A blob: URL of the thumbnail (or of the photo itself), for photos. */
  previewUrl?: string
  status: 'preparing' | 'queued' | 'uploading' | 'waiting' | 'uploaded' | 'failed'
  /** Of the upload's bytes, 0..1. */
  progress: number
  /** Why it waits or failed, in words for the person. */
  problem: string | null
  attachment?: Attachment
}

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
  /** The conversation's latest change to it (CONTRACT.md: Message); 0 until acknowledged. */
  rev: number
  readAt?: string
  deliveredAt?: string
  editedAt?: string
  deletedAt?: string
  replyTo?: ReplyQuote
  reactions?: Record<string, string[]>
  /** The stored message's files (none once it is deleted). */
  attachments?: Attachment[]
  /** A message not acknowledged yet: its files, uploading or uploaded. */
  files?: LocalFile[]
}

/** The fields a newer rev of a message may change, each present only when set. */
const CHANGING = ['readAt', 'deliveredAt', 'editedAt', 'deletedAt', 'replyTo', 'reactions', 'attachments'] as const

function copyChanging(item: ChatMessage, m: Message): void {
  item.rev = m.rev ?? 0
  item.body = m.body
  if (m.unreadable) item.unreadable = true
  else delete item.unreadable
  for (const field of CHANGING) {
    const value = m[field]
    if (value === undefined) delete item[field]
    // Copies: the store must not share objects with the frame it came in.
    else (item as unknown as Record<string, unknown>)[field] = structuredClone(value)
  }
}

export interface ConversationState {
  peerId: string
  peer: Peer | null
  /** Acknowledged messages ascending by seq, then pending ones in the order they were written. */
  messages: ChatMessage[]
  /** Ascending by time. */
  notices: Notice[]
  historyLoaded: boolean
  /** What is shown came from the device (offline), not the server: client/src/offline/kept-messages.ts. */
  keptOnly: boolean
  hasMore: boolean
  loadingOlder: boolean
  olderProblem: string | null
  myReadUpTo: number
  peerReadUpTo: number
  /** The person's messages up to this seq reached one of the peer's devices. */
  peerDeliveredUpTo: number
  /** False while either member has read receipts off (`ready`, `receipts`). */
  readReceipts: boolean
  /** CONTRACT.md: Blocking (`ready`, `blocked`): while not 'none', nothing can be sent, edited or reacted to. */
  blocked: BlockState
  /** Edits, deletions and reactions not yet confirmed, in the order they were made. */
  changes: PendingChange[]
  /** How long after sending a message its sender may edit it (`ready`: editWindowSeconds). */
  editWindowMs: number
  /** The seq of the message the composer is answering. */
  replyingTo: number | null
  /** Files chosen for the next message, uploading already (the composer's chips). */
  drafts: LocalFile[]
  /** The largest file an attachment may be (`ready`: maxAttachmentBytes). */
  maxAttachmentBytes: number
  /** Why files just chosen were not all added (too large, too many), for the composer. */
  attachProblem: string | null
  /** Why the last action on a message failed (a change refused, a quote not found), for the status line. */
  actionProblem: string | null
  peerTyping: boolean
  /** The socket said `ready` on its current connection. */
  ready: boolean
  /** The room's last seq as its latest `ready` said: the replay after it brings messages up to here. */
  readyLastSeq: number
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
    keptOnly: false,
    hasMore: false,
    loadingOlder: false,
    olderProblem: null,
    myReadUpTo: 0,
    readyLastSeq: 0,
    peerReadUpTo: 0,
    peerDeliveredUpTo: 0,
    readReceipts: true,
    blocked: 'none',
    changes: [],
    editWindowMs: EDIT_WINDOW_MS,
    replyingTo: null,
    drafts: [],
    maxAttachmentBytes: DEFAULT_MAX_ATTACHMENT_BYTES,
    attachProblem: null,
    actionProblem: null,
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

  /** The index of the acknowledged message with this seq, or -1. */
  function indexOfSeq(list: ChatMessage[], seq: number): number {
    if (!seqs.has(seq)) return -1
    const i = insertionIndex(list, firstPendingIndex(list), seq)
    return list[i]?.seq === seq ? i : -1
  }

  /** Replies quoting `m` show what it says now ("" once deleted), as the server would give them. */
  function followQuotes(list: ChatMessage[], m: Message): void {
    const preview = quoteOf(m).preview
    for (const item of list)
      if (item.replyTo?.seq === m.seq && item.replyTo.preview !== preview) item.replyTo.preview = preview
  }

  const onlyFiles = (m: Pick<Message, 'body' | 'deletedAt' | 'attachments'>) =>
    !m.deletedAt && m.body === '' && (m.attachments?.length ?? 0) > 0

  /**
   * A quote of a message with files and no text comes as "" (what the server takes for a
   * deleted one): when that message is loaded and is not deleted, the quote names its files.
   */
  function nameQuotedFiles(list: ChatMessage[], item: ChatMessage): void {
    const quote = item.replyTo
    if (quote?.preview !== '') return
    const original = list[indexOfSeq(list, quote.seq)]
    if (original?.seq != null && onlyFiles(original))
      quote.preview = quoteOf({ ...original, seq: original.seq }).preview
  }

  /**
   * Adds acknowledged messages; pending twins are promoted in place. One already here is
   * replaced when the incoming copy has a newer rev (an edit, deletion or reaction).
   */
  function mergeMessages(incoming: Message[]): ChatMessage[] {
    const added: ChatMessage[] = []
    if (incoming.length === 0) return added
    setState(
      produce((s) => {
        for (const m of incoming) {
          const list = s.messages
          if (seqs.has(m.seq)) {
            replaceIn(list, m)
            continue
          }
          seqs.add(m.seq)
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
            item.status = 'sent'
            item.problem = null
          } else {
            item = {
              key,
              clientId: m.clientId,
              seq: m.seq,
              senderId: m.senderId,
              body: m.body,
              sentAt: m.sentAt,
              status: 'sent',
              problem: null,
              rev: 0,
            }
          }
          copyChanging(item, m)
          // Stored now: its files are the server's attachments.
          delete item.files
          pending = firstPendingIndex(list)
          const last = pending > 0 ? list[pending - 1]!.seq! : 0
          const at = m.seq > last ? pending : insertionIndex(list, pending, m.seq)
          list.splice(at, 0, item)
          nameQuotedFiles(list, item)
          if (onlyFiles(m)) followQuotes(list, m)
          added.push(item)
        }
      }),
    )
    return added
  }

  function replaceIn(list: ChatMessage[], m: Message): void {
    const i = indexOfSeq(list, m.seq)
    const item = list[i]
    // An older state than the one held (a page fetched before an update arrived) changes nothing.
    if (!item || (m.rev ?? 0) < item.rev) return
    copyChanging(item, m)
    nameQuotedFiles(list, item)
    followQuotes(list, m)
  }

  /**
   * The new state of a message (an `update` frame). One not loaded here changes nothing but
   * the quotes of it in loaded replies.
   */
  function applyUpdate(m: Message): void {
    setState(
      produce((s) => {
        if (seqs.has(m.seq)) replaceIn(s.messages, m)
        else followQuotes(s.messages, m)
      }),
    )
  }

  /** The acknowledged message with this seq, if loaded. */
  function messageBySeq(seq: number): ChatMessage | undefined {
    const list = state.messages
    return list[indexOfSeq(list, seq)]
  }

  function addPending(message: Omit<ChatMessage, 'seq' | 'status' | 'problem' | 'rev'>, status: MessageStatus): void {
    setState('messages', (list) => [...list, { ...message, seq: null, status, problem: null, rev: 0 }])
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
    applyUpdate,
    messageBySeq,
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
