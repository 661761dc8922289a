// How the client reaches IndexedDB, for each of its databases (chat/file-store.ts: bytes of
// unsent files; chat/local-db.ts: outbox and drafts; offline/offline-db.ts: the offline copy).
// A database is opened once per page. Anything IndexedDB refuses (private modes, quota, an
// upgrade blocked by another tab) resolves to null, and callers keep what they hold in memory.

export type DatabaseOpener = () => Promise<IDBDatabase | null>

/** Opens `name` at `version` on first use; `upgrade` creates its stores. */
export function databaseOpener(name: string, version: number, upgrade: (db: IDBDatabase) => void): DatabaseOpener {
  let opening: Promise<IDBDatabase | null> | null = null
  return () => {
    opening ??= new Promise((resolve) => {
      try {
        const request = indexedDB.open(name, version)
        request.onupgradeneeded = () => upgrade(request.result)
        request.onsuccess = () => {
          // Another tab of a newer version wants to upgrade: let it; this one falls back to memory.
          request.result.onversionchange = () => request.result.close()
          resolve(request.result)
        }
        request.onerror = () => resolve(null)
        request.onblocked = () => resolve(null)
      } catch {
        // No IndexedDB at all (switched off, or not in this browser).
        resolve(null)
      }
    })
    return opening
  }
}

/** Runs `work` in one transaction; resolves when it commits, with `work`'s result (null on any failure). */
export async function inTransaction<T>(
  open: DatabaseOpener,
  storeName: string,
  mode: IDBTransactionMode,
  work: (store: IDBObjectStore) => IDBRequest<T> | undefined,
): Promise<T | null> {
  const db = await open()
  if (!db) return null
  return new Promise((resolve) => {
    try {
      const tx = db.transaction(storeName, mode)
      const request = work(tx.objectStore(storeName))
      tx.oncomplete = () => resolve(request ? request.result : null)
      tx.onerror = () => resolve(null)
      tx.onabort = () => resolve(null)
    } catch {
      // A closed database (see onversionchange) or a store this version does not have.
      resolve(null)
    }
  })
}
