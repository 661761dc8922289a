// The IndexedDB database for what a person has written and not sent yet, per account on this
// browser: the outbox (one record per queued message or change) and the composer's drafts.
// Unlike sessionStorage it outlives the tab and is shared by every tab of the origin, so a
// message written offline survives closing the tab and any tab can send it later.
// Anything IndexedDB refuses (private modes, quota) just means it lives in memory only, as
// file-store.ts does for the bytes of files.

const DB_NAME = 'parley-local'
export const OUTBOX = 'outbox'
export const DRAFTS = 'drafts'
export type LocalStore = typeof OUTBOX | typeof DRAFTS

let opening: Promise<IDBDatabase | null> | null = null

function open(): Promise<IDBDatabase | null> {
  opening ??= new Promise((resolve) => {
    try {
      const request = indexedDB.open(DB_NAME, 1)
      request.onupgradeneeded = () => {
        // Keys start with the account, so one key range holds everything of one person.
        request.result.createObjectStore(OUTBOX, { keyPath: ['userId', 'peerId', 'id'] })
        request.result.createObjectStore(DRAFTS, { keyPath: ['userId', 'peerId'] })
      }
      request.onsuccess = () => {
        // Another tab of a newer version wants to upgrade: let it, this one falls back to memory.
        request.result.onversionchange = () => request.result.close()
        resolve(request.result)
      }
      request.onerror = () => resolve(null)
      request.onblocked = () => resolve(null)
    } catch {
      resolve(null)
    }
  })
  return opening
}

/** Runs `work` in one transaction; resolves when it commits, with `work`'s result (null on any failure). */
export async function inLocalStore<T>(
  name: LocalStore,
  mode: IDBTransactionMode,
  work: (store: IDBObjectStore) => IDBRequest<T> | undefined,
): Promise<T | null> {
  const db = await open()
  if (!db) return null
  return new Promise((resolve) => {
    try {
      const tx = db.transaction(name, mode)
      const request = work(tx.objectStore(name))
      tx.oncomplete = () => resolve(request ? request.result : null)
      tx.onerror = () => resolve(null)
      tx.onabort = () => resolve(null)
    } catch {
      resolve(null)
    }
  })
}

/** Every key of one account (arrays sort after strings, so `[userId, []]` ends its range). */
export function accountRange(userId: string): IDBKeyRange {
  return IDBKeyRange.bound([userId], [userId, []])
}

/** Every key of one conversation of one account. */
export function conversationRange(userId: string, peerId: string): IDBKeyRange {
  return IDBKeyRange.bound([userId, peerId], [userId, peerId, []])
}
