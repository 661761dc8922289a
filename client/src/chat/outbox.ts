// What the person did that the server has not confirmed yet, per conversation and in the
// order they did it: messages written, and edits, deletions and reactions (message-changes.ts).
// Kept in sessionStorage so a reload or a crash of the tab does not lose what was done offline
// (the bytes of a message's files are in IndexedDB: file-store.ts).
import type { Attachment, ReplyQuote } from '../../../protocol/api.ts'
import type { ChangeRequest } from './message-changes.ts'

/** A file of a queued message: what it is, and the server's attachment once it is uploaded. */
export interface OutgoingFile {
  localId: string
  name: string
  type: string
  size: number
  width?: number
  height?: number
  attachment?: Attachment
}

export interface OutgoingMessage {
  kind: 'send'
  clientId: string
  body: string
  createdAt: string
  /** The quote as it was shown when the reply was written; the frame carries its seq. */
  replyTo?: ReplyQuote
  /** Its files, in order; the frame goes once every one has its attachment. */
  attachments?: OutgoingFile[]
}

export interface OutgoingChange {
  kind: 'change'
  id: string
  change: ChangeRequest
  createdAt: string
}

export type OutboxItem = OutgoingMessage | OutgoingChange

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

const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1

function readQuote(v: unknown): ReplyQuote | undefined {
  if (typeof v !== 'object' || v === null) return undefined
  const q = v as Record<string, unknown>
  return isSeq(q.seq) && typeof q.senderId === 'string' && typeof q.preview === 'string'
    ? { seq: q.seq, senderId: q.senderId, preview: q.preview }
    : undefined
}

const isSize = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0

function readAttachment(v: unknown): Attachment | undefined {
  if (typeof v !== 'object' || v === null) return undefined
  const a = v as Record<string, unknown>
  if (typeof a.id !== 'string' || typeof a.name !== 'string' || typeof a.type !== 'string' || !isSize(a.size)) {
    return undefined
  }
  return {
    id: a.id,
    name: a.name,
    type: a.type,
    size: a.size,
    ...(isSize(a.width) && isSize(a.height) ? { width: a.width, height: a.height } : {}),
    ...(a.thumbnail === true ? { thumbnail: true as const } : {}),
  }
}

function readFile(v: unknown): OutgoingFile | null {
  if (typeof v !== 'object' || v === null) return null
  const f = v as Record<string, unknown>
  if (typeof f.localId !== 'string' || typeof f.name !== 'string' || typeof f.type !== 'string' || !isSize(f.size)) {
    return null
  }
  const attachment = readAttachment(f.attachment)
  return {
    localId: f.localId,
    name: f.name,
    type: f.type,
    size: f.size,
    ...(isSize(f.width) && isSize(f.height) ? { width: f.width, height: f.height } : {}),
    ...(attachment ? { attachment } : {}),
  }
}

function readChange(v: unknown): ChangeRequest | null {
  if (typeof v !== 'object' || v === null) return null
  const c = v as Record<string, unknown>
  if (!isSeq(c.seq)) return null
  if (c.type === 'edit' && typeof c.body === 'string') return { type: 'edit', seq: c.seq, body: c.body }
  if (c.type === 'delete') return { type: 'delete', seq: c.seq }
  if (c.type === 'react' && typeof c.emoji === 'string' && typeof c.on === 'boolean') {
    return { type: 'react', seq: c.seq, emoji: c.emoji, on: c.on }
  }
  return null
}

/** One stored item, or null for anything this version cannot use (a page of an older one wrote sends without `kind`). */
function readItem(v: unknown): OutboxItem | null {
  if (typeof v !== 'object' || v === null) return null
  const m = v as Record<string, unknown>
  if (typeof m.createdAt !== 'string') return null
  if (m.kind === 'change') {
    const change = readChange(m.change)
    return change && typeof m.id === 'string' ? { kind: 'change', id: m.id, change, createdAt: m.createdAt } : null
  }
  if ((m.kind !== undefined && m.kind !== 'send') || typeof m.clientId !== 'string' || typeof m.body !== 'string') {
    return null
  }
  const replyTo = readQuote(m.replyTo)
  const files = Array.isArray(m.attachments) ? m.attachments.map(readFile) : []
  // A message missing one of its files would go without it: none is better than a part.
  if (files.some((f) => f === null)) return null
  return {
    kind: 'send',
    clientId: m.clientId,
    body: m.body,
    createdAt: m.createdAt,
    ...(replyTo ? { replyTo } : {}),
    ...(files.length > 0 ? { attachments: files as OutgoingFile[] } : {}),
  }
}

export function loadOutbox(userId: string, peerId: string): OutboxItem[] {
  const raw = storage()?.getItem(key(userId, peerId))
  if (!raw) return []
  try {
    const items: unknown = JSON.parse(raw)
    if (!Array.isArray(items)) return []
    return items.map(readItem).filter((item): item is OutboxItem => item !== null)
  } catch {
    return []
  }
}

export function saveOutbox(userId: string, peerId: string, items: OutboxItem[]): void {
  const store = storage()
  if (!store) return
  try {
    if (items.length === 0) store.removeItem(key(userId, peerId))
    else store.setItem(key(userId, peerId), JSON.stringify(items))
  } catch {
    // Quota: the queue still lives in memory.
  }
}

/** Peers with messages or changes still waiting, so a fresh tab can send them without being opened. */
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
