// The device's copy of what the last signed-in person last saw (IndexedDB "parley-offline"):
// who they are, their conversation list, and the newest messages of each conversation, so a
// load without a network still shows them. One account at a time: another person signing in,
// or any end of the session, wipes it, so the next person on the device sees nothing of it.
// The messages are plaintext as the server sent them to this client (ADR 008 encrypts at
// rest on the server; the device already shows them in clear).
import type { Message, User } from '../../../protocol/api.ts'
import type { ConversationEntry } from '../../../protocol/frames.ts'
import { databaseOpener, inTransaction } from '../storage/indexed-db.ts'

const DB_NAME = 'parley-offline'
const STORE = 'kv'
/** Newest messages kept per conversation: enough to read the recent exchange. */
export const MESSAGES_KEPT = 50
/** Live traffic arrives in bursts (a replay, a page of history): one write per burst. */
const WRITE_DELAY_MS = 500

const ACCOUNT_KEY = 'account'
const CHATS_KEY = 'chats'
const messagesKey = (peerId: string) => `messages:${peerId}`

interface Stored<T> {
  /** Whose it is: a row of anyone else is never read. */
  accountId: string
  value: T
}

// Private windows and locked-down browsers may have no IndexedDB: then nothing is kept.
const open = databaseOpener(DB_NAME, 1, (db) => db.createObjectStore(STORE))

async function run<T>(
  mode: IDBTransactionMode,
  work: (store: IDBObjectStore) => IDBRequest | undefined,
): Promise<T | null> {
  return ((await inTransaction(open, STORE, mode, work)) as T | undefined) ?? null
}

// ---- writes: per key, debounced; dropped when the account they were for has gone ----

/** Bumped by every wipe: a write scheduled before it belongs to a session that ended. */
let epoch = 0
let account: string | null = null
const pending = new Map<string, { timer: ReturnType<typeof setTimeout>; write: () => void }>()

function schedule(key: string, accountId: string, value: () => unknown): void {
  if (accountId !== account) return
  const at = epoch
  const write = () => {
    pending.delete(key)
    if (at !== epoch || accountId !== account) return
    // A plain copy: Solid's store proxies cannot be cloned into IndexedDB.
    const row: Stored<unknown> = { accountId, value: JSON.parse(JSON.stringify(value())) }
    void run('readwrite', (store) => store.put(row, key))
  }
  clearTimeout(pending.get(key)?.timer)
  pending.set(key, { timer: setTimeout(write, WRITE_DELAY_MS), write })
}

// A page being closed gets its last changes written now, not never.
if (typeof window !== 'undefined') {
  window.addEventListener('pagehide', () => {
    for (const { timer, write } of [...pending.values()]) {
      clearTimeout(timer)
      write()
    }
  })
}

async function read<T>(key: string, accountId: string): Promise<T | null> {
  const row = await run<Stored<T>>('readonly', (store) => store.get(key))
  return row && row.accountId === accountId ? row.value : null
}

/** Wipes everything kept, and any write still waiting. */
export function forgetOffline(): Promise<void> {
  epoch++
  account = null
  for (const { timer } of pending.values()) clearTimeout(timer)
  pending.clear()
  return run('readwrite', (store) => store.clear()).then(() => {})
}

/** The person signed in now: kept, and anything of someone else's wiped first. */
export async function rememberAccount(user: User): Promise<void> {
  // At once: the list and messages loading meanwhile are this person's to keep.
  account = user.id
  const previous = await run<Stored<User>>('readonly', (store) => store.get(ACCOUNT_KEY))
  if (previous && previous.accountId !== user.id) {
    await forgetOffline()
    account = user.id
  }
  const row: Stored<User> = { accountId: user.id, value: user }
  await run('readwrite', (store) => store.put(row, ACCOUNT_KEY))
}

/** The last person signed in on this device, for a load without a network. */
export async function lastAccount(): Promise<User | null> {
  const row = await run<Stored<User>>('readonly', (store) => store.get(ACCOUNT_KEY))
  if (!row) return null
  account = row.accountId
  return row.value
}

export function saveChats(accountId: string, list: () => ConversationEntry[]): void {
  schedule(CHATS_KEY, accountId, list)
}

export function loadChats(accountId: string): Promise<ConversationEntry[] | null> {
  return read<ConversationEntry[]>(CHATS_KEY, accountId)
}

/** The newest acknowledged messages, oldest first; `list` runs when the write happens. */
export function saveMessages(accountId: string, peerId: string, list: () => Message[]): void {
  schedule(messagesKey(peerId), accountId, () => list().slice(-MESSAGES_KEPT))
}

export function loadMessages(accountId: string, peerId: string): Promise<Message[] | null> {
  return read<Message[]>(messagesKey(peerId), accountId)
}
