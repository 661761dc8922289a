// Emails for the user ids that rooms and audit entries name: fetched once each, shared by
// every admin screen. The API has no lookup by many ids, so this batches single lookups.
import { createStore, reconcile } from 'solid-js/store'
import { ApiError } from '../api.ts'
import { type AdminUser, getUser } from './admin-api.ts'

/** undefined: not asked yet or on its way; null: no such user (or the lookup failed). */
type Entry = AdminUser | null

const [users, setUsers] = createStore<Record<string, Entry>>({})
const asked = new Set<string>()
const queue: string[] = []
let running = 0
// A page of 50 rooms names up to 100 users; a few at a time keeps the Worker and the
// browser's connection pool free for the page's own requests.
const MAX_PARALLEL = 6

function pump(): void {
  while (running < MAX_PARALLEL && queue.length > 0) {
    const id = queue.shift()!
    running++
    getUser(id)
      .then(({ user }) => setUsers(id, user))
      .catch((err: unknown) => {
        setUsers(id, null)
        // A 401 already signs the person out; anything else is worth a later retry.
        if (!(err instanceof ApiError && err.status === 404)) asked.delete(id)
      })
      .finally(() => {
        running--
        pump()
      })
  }
}

/** Reactive: the user with this id once known. Asks the server the first time. */
export function lookUpUser(id: string): Entry | undefined {
  if (!asked.has(id)) {
    asked.add(id)
    queue.push(id)
    queueMicrotask(pump)
  }
  return users[id]
}

/** Users a list already returned, or an edit just saved, need no lookup of their own. */
export function rememberUsers(list: AdminUser[]): void {
  for (const user of list) {
    asked.add(user.id)
    setUsers(user.id, reconcile(user))
  }
}

/** Leaving the admin area drops what it learnt about people. */
export function forgetUsers(): void {
  asked.clear()
  queue.length = 0
  setUsers(reconcile({}))
}
