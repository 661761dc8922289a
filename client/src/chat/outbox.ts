// What the person did that the server has not confirmed yet, per conversation and in the
// order they did it: messages written, and edits, deletions and reactions (message-changes.ts).
// Kept in IndexedDB per account (local-db.ts), one record per item, so closing the tab does not
// lose what was done offline and tabs writing at once do not overwrite each other's queue (the
// bytes of a message's files are in file-store.ts). Tabs tell each other of every change over
// a BroadcastChannel; which tab sends a conversation's queue is outbox-owner.ts's business.
import type { Attachment, ReplyQuote } from '../../../protocol/api.ts'
import { accountRange, conversationRange, inLocalStore, OUTBOX } from './local-db.ts'
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

/** One queued item as stored; `order` keeps the order it was made in across tabs. */
export interface StoredOutboxItem {
  item: OutboxItem
  order: number
}

interface OutboxRecord {
  userId: string
  peerId: string
  id: string
  order: number
  item: unknown
}

export function outboxItemId(item: OutboxItem): string {
  return item.kind === 'send' ? item.clientId : item.id
}

let lastOrder = 0

/** A position after every item this tab has made (and, by the clock, after other tabs' older ones). */
export function nextOutboxOrder(): number {
  lastOrder = Math.max(lastOrder + 1e-3, performance.timeOrigin + performance.now())
  return lastOrder
}

/** Stored records, validated (anything this version cannot use is left out), in order. */
export function readOutboxRecords(records: readonly unknown[]): StoredOutboxItem[] {
  const items: StoredOutboxItem[] = []
  for (const r of records) {
    if (typeof r !== 'object' || r === null) continue
    const { order, item: raw } = r as Partial<OutboxRecord>
    const item = readItem(raw)
    if (item && typeof order === 'number' && Number.isFinite(order)) items.push({ item, order })
  }
  return items.sort((x, y) => x.order - y.order)
}

/** Items a page of an older version kept in sessionStorage (a JSON array), validated. */
export function readLegacyOutbox(raw: string): OutboxItem[] {
  try {
    const items: unknown = JSON.parse(raw)
    if (!Array.isArray(items)) return []
    return items.map(readItem).filter((item): item is OutboxItem => item !== null)
  } catch {
    return []
  }
}

const LEGACY_PREFIX = 'parley.outbox.'
const migrations = new Map<string, Promise<void>>()

/**
 * Moves this account's queues from the sessionStorage keys of older versions into IndexedDB,
 * once per page, then removes the keys: they would otherwise be sent again by a later page.
 */
function migrateLegacy(userId: string): Promise<void> {
  let done = migrations.get(userId)
  if (!done) {
    done = moveLegacy(userId)
    migrations.set(userId, done)
  }
  return done
}

async function moveLegacy(userId: string): Promise<void> {
  let storage: Storage
  try {
    storage = window.sessionStorage
  } catch {
    return
  }
  const prefix = `${LEGACY_PREFIX}${userId}.`
  const found: { key: string; peerId: string; items: OutboxItem[] }[] = []
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i)
    if (!key?.startsWith(prefix)) continue
    found.push({ key, peerId: key.slice(prefix.length), items: readLegacyOutbox(storage.getItem(key) ?? '') })
  }
  if (found.length === 0) return
  const written = await inLocalStore(OUTBOX, 'readwrite', (store) => {
    for (const { peerId, items } of found) {
      for (const item of items) store.put(record(userId, peerId, item, nextOutboxOrder()))
    }
    return store.count()
  })
  // Kept where they were if IndexedDB refused them: this page still reads nothing else.
  if (written === null) return
  for (const { key } of found) storage.removeItem(key)
}

function record(userId: string, peerId: string, item: OutboxItem, order: number): OutboxRecord {
  return { userId, peerId, id: outboxItemId(item), order, item }
}

/** What is queued for one conversation, as every tab has left it; null if IndexedDB cannot be read. */
export async function loadOutbox(userId: string, peerId: string): Promise<StoredOutboxItem[] | null> {
  await migrateLegacy(userId)
  const records = await inLocalStore<unknown[]>(OUTBOX, 'readonly', (store) =>
    store.getAll(conversationRange(userId, peerId)),
  )
  return records && readOutboxRecords(records)
}

/** Adds or updates items (an item's id is its clientId, or the change's id); false if they were not stored. */
export async function keepOutboxItems(
  userId: string,
  peerId: string,
  items: readonly StoredOutboxItem[],
): Promise<boolean> {
  if (items.length === 0) return true
  const stored = await inLocalStore(OUTBOX, 'readwrite', (store) => {
    let last: IDBRequest<IDBValidKey> | undefined
    for (const { item, order } of items) last = store.put(record(userId, peerId, item, order))
    return last
  })
  if (stored === null) return false
  announceOutbox(userId, peerId)
  return true
}

export async function dropOutboxItems(userId: string, peerId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return
  await inLocalStore(OUTBOX, 'readwrite', (store) => {
    for (const id of ids) store.delete([userId, peerId, id])
    return undefined
  })
  announceOutbox(userId, peerId)
}

/** Peers with messages or changes still waiting, so a tab can send them without their conversation being opened. */
export async function peersWithOutbox(userId: string): Promise<string[]> {
  await migrateLegacy(userId)
  const keys = await inLocalStore<IDBValidKey[]>(OUTBOX, 'readonly', (store) => store.getAllKeys(accountRange(userId)))
  return [...new Set((keys ?? []).map((k) => String((k as unknown[])[1])))]
}

/** Signing out: this account's queue leaves the device (see disposeAllChats). */
export async function dropAccountOutbox(userId: string): Promise<void> {
  await inLocalStore(OUTBOX, 'readwrite', (store) => {
    store.delete(accountRange(userId))
    return undefined
  })
  announceOutbox(userId, null)
}

// ---- telling the other tabs ----

interface OutboxNews {
  userId: string
  /** null: every conversation of the account. */
  peerId: string | null
}

let channel: BroadcastChannel | null | undefined
const listeners = new Set<(news: OutboxNews) => void>()

function tabs(): BroadcastChannel | null {
  if (channel === undefined) {
    try {
      channel = new BroadcastChannel('parley-outbox')
      channel.onmessage = (event: MessageEvent<OutboxNews>) => {
        for (const listener of listeners) listener(event.data)
      }
    } catch {
      channel = null
    }
  }
  return channel
}

function announceOutbox(userId: string, peerId: string | null): void {
  tabs()?.postMessage({ userId, peerId } satisfies OutboxNews)
}

/** Calls `changed` whenever another tab changed one of this account's queues; returns the unsubscribe. */
export function onOutboxChange(userId: string, changed: (peerId: string | null) => void): () => void {
  const listener = (news: OutboxNews) => {
    if (news.userId === userId) changed(news.peerId)
  }
  listeners.add(listener)
  tabs()
  return () => listeners.delete(listener)
}
