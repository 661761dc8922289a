// The bench's Parley accounts, created once and reused across runs: every registration
// and login costs an argon2id hash (~300 ms by design), so credentials and session
// cookies are kept in bench/.state/accounts.json and only re-established when refused.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { User } from '../../protocol/api.ts'
import { inPool, requestJson } from './http.ts'
import type { NetCounters } from './stats.ts'

export interface BenchUser {
  id: string
  email: string
  cookie: string
}

interface AccountsFile {
  version: 1
  /** Keeps this checkout's bench emails apart from any other's. */
  salt: string
  password: string
  users: Partial<BenchUser>[]
}

/** Cheap checks (a cookie against GET /api/me) run wide; hashing work runs narrow. */
const CHECK_CONCURRENCY = 16
const HASH_CONCURRENCY = 4
const SAVE_EVERY = 25
/** Throttled (429) or briefly unavailable (5xx): wait and try again, a few times. */
const MAX_RATE_LIMIT_WAITS = 3

export async function ensureUsers(
  baseUrl: string,
  count: number,
  statePath: string,
  counters: NetCounters,
  log: (line: string) => void,
): Promise<BenchUser[]> {
  const state = loadState(statePath)
  const slots = Array.from({ length: count }, (_, i) => i)
  const live = await inPool(slots, CHECK_CONCURRENCY, async (i) => {
    const u = state.users[i]
    if (!u?.cookie || !u.id) return false
    const me = await requestJson<{ user: User }>(counters, `${baseUrl}/api/me`, { cookie: u.cookie })
    return me.status === 200 && me.body?.user.id === u.id
  })
  const missing = slots.filter((i) => !live[i])
  if (missing.length > 0) {
    log(`accounts: ${count - missing.length} reused, ${missing.length} to sign in or register (argon2id each)`)
  }
  let done = 0
  await inPool(missing, HASH_CONCURRENCY, async (i) => {
    state.users[i] = await signIn(baseUrl, state, i, counters)
    if (++done % SAVE_EVERY === 0) {
      saveState(statePath, state)
      log(`accounts: ${done}/${missing.length}`)
    }
  })
  if (missing.length > 0) saveState(statePath, state)
  return state.users.slice(0, count) as BenchUser[]
}

async function signIn(baseUrl: string, state: AccountsFile, i: number, counters: NetCounters): Promise<BenchUser> {
  const email = state.users[i]?.email ?? `bench-${state.salt}-${i}@parley-bench.test`
  const credentials = { email, password: state.password }
  for (let waits = 0; ; waits++) {
    let res = await requestJson<{ user: User }>(counters, `${baseUrl}/api/auth/login`, {
      method: 'POST',
      body: credentials,
    })
    // Unknown here: the local database was reset since the account was made.
    if (res.status === 401) {
      res = await requestJson<{ user: User }>(counters, `${baseUrl}/api/auth/register`, {
        method: 'POST',
        body: credentials,
      })
    }
    if ((res.status === 200 || res.status === 201) && res.body && res.cookie) {
      return { id: res.body.user.id, email, cookie: res.cookie }
    }
    if ((res.status === 429 || res.status >= 500) && waits < MAX_RATE_LIMIT_WAITS) {
      await new Promise((r) => setTimeout(r, 2_000))
      continue
    }
    throw new Error(`could not sign in or register ${email}: HTTP ${res.status} ${JSON.stringify(res.body)}`)
  }
}

function loadState(path: string): AccountsFile {
  if (existsSync(path)) {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as AccountsFile
    if (parsed.version === 1) return parsed
  }
  return {
    version: 1,
    salt: randomBytes(4).toString('hex'),
    // Random, so never a common password nor the email's local part.
    password: `${randomBytes(18).toString('base64url')}-bench`,
    users: [],
  }
}

function saveState(path: string, state: AccountsFile): void {
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.tmp`
  writeFileSync(tmp, `${JSON.stringify(state, null, 1)}\n`, { mode: 0o600 })
  renameSync(tmp, path)
}
