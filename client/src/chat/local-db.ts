// The IndexedDB database for what a person has written and not sent yet, per account on this
// browser: the outbox (one record per queued message or change) and the composer's drafts.
// Unlike sessionStorage it outlives the tab and is shared by every tab of the origin, so a
// message written offline survives closing the tab and any tab can send it later.
// Anything IndexedDB refuses (private modes, quota) just means it lives in memory only, as
// file-store.ts does for the bytes of files.

import { databaseOpener, inTransaction } from '../storage/indexed-db.ts'

const DB_NAME = 'parley-local'
export const OUTBOX = 'outbox'
export const DRAFTS = 'drafts'
export type LocalStore = typeof OUTBOX | typeof DRAFTS

const open = databaseOpener(DB_NAME, 1, (db) => {
  // Keys start with the account, so one key range holds everything of one person.
  db.createObjectStore(OUTBOX, { keyPath: ['userId', 'peerId', 'id'] })
  db.createObjectStore(DRAFTS, { keyPath: ['userId', 'peerId'] })
})

/** Runs `work` in one transaction; resolves when it commits, with `work`'s result (null on any failure). */
export function inLocalStore<T>(
  name: LocalStore,
  mode: IDBTransactionMode,
  work: (store: IDBObjectStore) => IDBRequest<T> | undefined,
): Promise<T | null> {
  return inTransaction(open, name, mode, work)
}

/** Every key of one account (arrays sort after strings, so `[userId, []]` ends its range). */
export function accountRange(userId: string): IDBKeyRange {
  return IDBKeyRange.bound([userId], [userId, []])
}

/** Every key of one conversation of one account. */
export function conversationRange(userId: string, peerId: string): IDBKeyRange {
  return IDBKeyRange.bound([userId, peerId], [userId, peerId, []])
}
