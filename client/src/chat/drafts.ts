// What the composer holds for each conversation and has not sent: the text, and the message it
// answers. Kept per account in IndexedDB (local-db.ts), so a draft is there again after a
// reload or on coming back to the conversation; a cache answers at once within a page. Writes
// wait for a pause in typing, and go at once when the page is hidden or left.
import { accountRange, DRAFTS, inLocalStore } from './local-db.ts'

export interface Draft {
  text: string
  /** The seq of the message being answered, or null. */
  replyTo: number | null
}

/** Typing this long without a pause writes the draft anyway. */
const SAVE_AFTER_MS = 400

const cache = new Map<string, Draft>()
const unsaved = new Map<string, { userId: string; peerId: string; draft: Draft }>()
let timer: ReturnType<typeof setTimeout> | undefined

const keyOf = (userId: string, peerId: string) => JSON.stringify([userId, peerId])
const isEmpty = (d: Draft) => d.text.trim() === '' && d.replyTo === null

/** The draft as this page last saw it, if it has seen one: no wait, so switching back shows it at once. */
export function cachedDraft(userId: string, peerId: string): Draft | undefined {
  return cache.get(keyOf(userId, peerId))
}

export async function loadDraft(userId: string, peerId: string): Promise<Draft> {
  const key = keyOf(userId, peerId)
  const known = cache.get(key)
  if (known) return known
  const stored = await inLocalStore<unknown>(DRAFTS, 'readonly', (store) => store.get([userId, peerId]))
  // Typed meanwhile in this page: that is newer.
  const typed = cache.get(key)
  if (typed) return typed
  const draft = readDraft(stored)
  cache.set(key, draft)
  return draft
}

function readDraft(v: unknown): Draft {
  if (typeof v !== 'object' || v === null) return { text: '', replyTo: null }
  const d = v as Record<string, unknown>
  const replyTo = typeof d.replyTo === 'number' && Number.isSafeInteger(d.replyTo) && d.replyTo >= 1 ? d.replyTo : null
  return { text: typeof d.text === 'string' ? d.text : '', replyTo }
}

/** Keeps the draft (an empty one removes it); written after a pause, or at once with `now`. */
export function keepDraft(userId: string, peerId: string, draft: Draft, now = false): void {
  const key = keyOf(userId, peerId)
  cache.set(key, draft)
  unsaved.set(key, { userId, peerId, draft })
  clearTimeout(timer)
  if (now) void flushDrafts()
  else timer = setTimeout(() => void flushDrafts(), SAVE_AFTER_MS)
}

/** Writes every draft not yet written. */
export async function flushDrafts(): Promise<void> {
  clearTimeout(timer)
  if (unsaved.size === 0) return
  const batch = [...unsaved.values()]
  unsaved.clear()
  await inLocalStore(DRAFTS, 'readwrite', (store) => {
    for (const { userId, peerId, draft } of batch) {
      if (isEmpty(draft)) store.delete([userId, peerId])
      else store.put({ userId, peerId, text: draft.text, replyTo: draft.replyTo, savedAt: Date.now() })
    }
    return undefined
  })
}

/** Signing out: this account's drafts leave the device (see disposeAllChats). */
export async function dropAccountDrafts(userId: string): Promise<void> {
  for (const [key, { userId: owner }] of unsaved) if (owner === userId) unsaved.delete(key)
  for (const key of cache.keys()) if ((JSON.parse(key) as string[])[0] === userId) cache.delete(key)
  await inLocalStore(DRAFTS, 'readwrite', (store) => {
    store.delete(accountRange(userId))
    return undefined
  })
}

// A reload or a closed tab right after typing: the pending write goes now, not after the pause.
if (typeof window !== 'undefined') {
  window.addEventListener('pagehide', () => void flushDrafts())
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') void flushDrafts()
  })
}
