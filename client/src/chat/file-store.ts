// The bytes of files in messages written offline, in IndexedDB, so a reload before the network
// is back does not lose them (the outbox itself is in local-db.ts, one record per message).
// Keyed by the file's local id; a record goes once its upload is done or its message dropped.
// Anything IndexedDB refuses (private modes, quota) just means the files live in memory only.

import { databaseOpener, inTransaction } from '../storage/indexed-db.ts'

const DB_NAME = 'parley-files'
const STORE = 'files'
/** Records older than this belong to tabs long gone: unsent uploads expire on the server too. */
export const KEEP_FILES_MS = 24 * 3600_000

export interface StoredFile {
  localId: string
  /** The outbox entry (message clientId) it belongs to. */
  clientId: string
  file: Blob
  thumbnail: Blob | null
  savedAt: number
}

const open = databaseOpener(DB_NAME, 1, (db) => {
  const store = db.createObjectStore(STORE, { keyPath: 'localId' })
  store.createIndex('savedAt', 'savedAt')
})

function inStore<T>(
  mode: IDBTransactionMode,
  work: (store: IDBObjectStore) => IDBRequest<T> | undefined,
): Promise<T | null> {
  return inTransaction(open, STORE, mode, work)
}

export async function keepFiles(files: readonly Omit<StoredFile, 'savedAt'>[]): Promise<void> {
  if (files.length === 0) return
  const savedAt = Date.now()
  await inStore('readwrite', (store) => {
    for (const f of files) store.put({ ...f, savedAt })
    return undefined
  })
}

export async function loadFile(localId: string): Promise<StoredFile | null> {
  const found = await inStore<StoredFile | undefined>('readonly', (store) => store.get(localId))
  return found && found.file instanceof Blob ? found : null
}

export async function dropFiles(localIds: readonly string[]): Promise<void> {
  if (localIds.length === 0) return
  await inStore('readwrite', (store) => {
    for (const id of localIds) store.delete(id)
    return undefined
  })
}

/** Removes records older than KEEP_FILES_MS (the server has dropped such unsent uploads too). */
export async function sweepFiles(now = Date.now()): Promise<void> {
  await inStore('readwrite', (store) => {
    const cursor = store.index('savedAt').openCursor(IDBKeyRange.upperBound(now - KEEP_FILES_MS))
    cursor.onsuccess = () => {
      const c = cursor.result
      if (!c) return
      c.delete()
      c.continue()
    }
    return undefined
  })
}

/** Signing out: nothing the person was sending stays on the device. */
export async function dropAllFiles(): Promise<void> {
  await inStore('readwrite', (store) => {
    store.clear()
    return undefined
  })
}
