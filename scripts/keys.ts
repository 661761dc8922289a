// `npm run keys -- status|reencrypt [--remote] [--url URL] [--email E] [--password P]`: the
// Keys screen from a terminal. It signs in to the running Worker's API as a staff user
// (a superuser for reencrypt), prints each key's fingerprint and how many stored tokens it
// opens, and for reencrypt starts re-encryption with the primary key and waits, with a
// progress line, until it is done (ADR 009). Locally the Worker is `npm run dev` at
// http://localhost:8787; with --remote it is --url or PARLEY_URL (the workers.dev address).
import { parseArgs } from 'node:util'
import type { KeysStatus } from '../protocol/api.ts'
import { ask as askInTerminal } from './lib/prompt.ts'

const USAGE = 'usage: npm run keys -- status|reencrypt [--remote] [--url URL] [--email E] [--password P]'
const POLL_MS = 1_000

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string' },
    remote: { type: 'boolean', default: false },
    email: { type: 'string' },
    password: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

function fail(message: string): never {
  console.error(`keys: ${message}`)
  process.exit(1)
}

if (values.help) {
  console.log(USAGE)
  process.exit(0)
}
const command = positionals[0]
if (positionals.length !== 1 || (command !== 'status' && command !== 'reencrypt')) fail(USAGE)

const base = (
  values.url ??
  (values.remote
    ? (process.env.PARLEY_URL ?? fail('--remote needs --url or PARLEY_URL (https://parley.<account>.workers.dev)'))
    : 'http://localhost:8787')
).replace(/\/+$/, '')

const ask = (question: string, hidden = false) =>
  askInTerminal(question, {
    hidden,
    notInTerminal: (what) =>
      fail(`${what} is required (--email/--password or PARLEY_EMAIL/PARLEY_PASSWORD) when not in a terminal`),
  })

async function problem(res: Response): Promise<string> {
  const text = await res.text()
  try {
    const p = JSON.parse(text) as { detail?: string; title?: string }
    return `${res.status} ${p.detail ?? p.title ?? text}`
  } catch {
    return `${res.status} ${text.slice(0, 200)}`
  }
}

async function request(path: string, init: RequestInit = {}, cookie?: string): Promise<Response> {
  const headers = new Headers(init.headers)
  if (cookie) headers.set('cookie', cookie)
  try {
    return await fetch(`${base}${path}`, { ...init, headers })
  } catch (err) {
    fail(`cannot reach ${base} (${String((err as Error).cause ?? err)}); is the Worker running?`)
  }
}

async function signIn(): Promise<string> {
  const email = values.email ?? process.env.PARLEY_EMAIL ?? (await ask('Email: '))
  const password = values.password ?? process.env.PARLEY_PASSWORD ?? (await ask('Password: ', true))
  const res = await request('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  if (res.status !== 200) fail(`sign-in failed: ${await problem(res)}`)
  const cookie = /parley_session=[^;]*/.exec(res.headers.get('set-cookie') ?? '')?.[0]
  if (!cookie) fail('sign-in returned no session cookie')
  return cookie
}

async function status(cookie: string): Promise<KeysStatus> {
  const res = await request('/api/admin/keys', {}, cookie)
  if (res.status !== 200) fail(`GET /api/admin/keys: ${await problem(res)}`)
  return (await res.json()) as KeysStatus
}

function printKeys(s: KeysStatus): void {
  console.log('fingerprint  role     tokens')
  for (const k of s.keys) {
    console.log(
      `${k.fingerprint.padEnd(11)}  ${(k.primary ? 'primary' : 'older').padEnd(7)}  ${k.tokens.toLocaleString('en')}`,
    )
  }
  const when = s.census.counting ? 'counting now (these are from the last pass)' : (s.census.takenAt ?? 'never')
  console.log(`counted: ${when}`)
  if (s.census.unreadable > 0) console.log(`tokens no key opens: ${s.census.unreadable.toLocaleString('en')}`)
  const r = s.reencryption
  const times = [r.startedAt && `started ${r.startedAt}`, r.finishedAt && `finished ${r.finishedAt}`].filter(Boolean)
  console.log(
    `re-encryption: ${r.state}${r.state === 'idle' ? '' : ` ${r.done}/${r.total}`}${times.length ? ` (${times.join(', ')})` : ''}`,
  )
}

function progressLine(s: KeysStatus): string {
  const { done, total } = s.reencryption
  const percent = total > 0 ? Math.floor((done / total) * 100) : 0
  return `re-encrypting: ${done.toLocaleString('en')} of ${total.toLocaleString('en')} (${percent}%)`
}

const cookie = await signIn()
if (command === 'status') {
  printKeys(await status(cookie))
} else {
  const res = await request('/api/admin/keys/reencrypt', { method: 'POST' }, cookie)
  if (res.status !== 202) fail(`POST /api/admin/keys/reencrypt: ${await problem(res)}`)
  let s = (await res.json()) as KeysStatus
  const tty = process.stdout.isTTY
  let last = ''
  // Once every object is done, a census counts the tokens again: its numbers say whether the older keys may go.
  while (s.reencryption.state === 'running' || s.census.counting) {
    const line =
      s.reencryption.state === 'running' ? progressLine(s) : 're-encrypted; counting the stored tokens again…'
    if (tty) process.stdout.write(`\r${line}`)
    else if (line !== last) console.log(line)
    last = line
    await new Promise((r) => setTimeout(r, POLL_MS))
    s = await status(cookie)
  }
  if (tty) process.stdout.write('\n')
  printKeys(s)
  const older = s.keys.filter((k) => !k.primary)
  if (s.reencryption.state === 'done' && older.length > 0 && older.every((k) => k.tokens === 0)) {
    console.log(`done: the older key(s) ${older.map((k) => k.fingerprint).join(', ')} can be removed from FERNET_KEYS.`)
  }
}
