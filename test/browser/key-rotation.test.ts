// Key rotation end to end (issue 13; ADR 009), on wrangler dev instances of its own: Parley
// stores names, messages, notifications and a file under key A; restarted with "B,A" it
// counts them under A, re-encrypts with B through the admin API, is killed midway and
// carries on after the restart; then Python's `cryptography` finds every stored token (every
// SQLite cell and every R2 object under the local state) opening with B alone, and a restart
// with FERNET_KEYS = B only serves every name, message, preview and the file as before.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { KeysStatus } from '../../protocol/api.ts'
import { applyLocalMigrations, fernetKey, QUIET_ENV, ROOT } from '../../scripts/lib/dev-server.ts'
import { createAccount } from './helpers/accounts.ts'
import { scanState } from './helpers/at-rest.ts'
import { openNodeChat, sessionCookie } from './helpers/node-chat.ts'
import { ownServer } from './helpers/own-server.ts'
import { promoteToSuperuser } from './helpers/staff.ts'

// Every file under the state directory: SQLite databases cell by cell, any other file (R2's
// blobs) whole; each Fernet token is tried with each key alone.
const SCAN = `
import json, re, sys
from cryptography.fernet import Fernet, InvalidToken
req = json.load(sys.stdin)
keys = {name: Fernet(k) for name, k in req['keys'].items()}
token_re = re.compile(r'gAAAAA[A-Za-z0-9_-]+=*')
counts = {name: 0 for name in keys}
counts['none'] = 0
where = {}
plain = []
blobs = 0
def judge(token, place):
    for name, f in keys.items():
        try:
            f.decrypt(token.encode())
        except InvalidToken:
            continue
        counts[name] += 1
        where.setdefault(name, {}).setdefault(place, 0)
        where[name][place] += 1
        return
    counts['none'] += 1
    where.setdefault('none', {}).setdefault(place, 0)
    where['none'][place] += 1
def on_cell(table, cell):
    for n in req['needles']:
        if n in cell:
            plain.append(table)
    for token in token_re.findall(cell):
        judge(token, 'sqlite:' + table)
def on_file(path, data):
    global blobs
    text = data.decode('ascii', 'replace').strip()
    if token_re.fullmatch(text):
        blobs += 1
        judge(text, 'r2')
databases = walk_state(req['root'], on_cell, on_file)
json.dump({'databases': databases, 'blobs': blobs, 'counts': counts, 'where': where, 'plaintext': plain}, sys.stdout)
`

interface Scan {
  databases: number
  blobs: number
  counts: Record<string, number>
  where: Record<string, Record<string, number>>
  plaintext: string[]
}

function scan(root: string, keys: Record<string, string>, needles: string[]): Scan {
  return scanState<Scan>(SCAN, { keys, root, needles })
}

const server = ownServer('parley-keys-')
const { persistTo, start } = server

afterAll(() => server.dispose())

async function keysOf(url: string, cookie: string): Promise<KeysStatus> {
  const res = await fetch(`${url}/api/admin/keys`, { headers: { cookie } })
  expect(res.status).toBe(200)
  return (await res.json()) as KeysStatus
}

async function poll<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await read()
    if (ok(v) || Date.now() > deadline) return v
    await new Promise((r) => setTimeout(r, 200))
  }
}

describe('rotating FERNET_KEYS from A to B', () => {
  it('re-encrypts every stored token with B, resumes after a restart midway, and runs on B alone', {
    timeout: 420_000,
  }, async () => {
    const A = fernetKey()
    const B = fernetKey()
    applyLocalMigrations(persistTo)

    // 1. Under key A alone: two people, a conversation with a file, notifications, a superuser.
    let url = await start(A)
    const [ann, bob, sue] = await Promise.all([
      createAccount(url, { firstName: 'Ann', lastName: 'Rotated' }),
      createAccount(url, { firstName: 'Bob', lastName: 'Keyholder' }),
      createAccount(url),
    ])
    await promoteToSuperuser(persistTo, sue.email)
    let annCookie = await sessionCookie(url, ann)
    const bytes = randomBytes(5000)
    const form = new FormData()
    form.set('file', new File([bytes], 'rotation plan.pdf', { type: 'application/pdf' }))
    const uploaded = await fetch(`${url}/api/conversations/${bob.user.id}/attachments`, {
      method: 'POST',
      headers: { cookie: annCookie },
      body: form,
    })
    expect(uploaded.status).toBe(201)
    const { attachment } = (await uploaded.json()) as { attachment: { id: string } }
    const bodies = [
      `sealed with A ${randomBytes(4).toString('hex')}`,
      `and this one too ${randomBytes(4).toString('hex')}`,
    ]
    const chat = await openNodeChat(url, annCookie, bob.user.id)
    await chat.send(bodies[0]!)
    chat.sendFrame({ type: 'send', clientId: 'with-file', body: bodies[1], attachments: [attachment.id] })
    await chat.frame((f) => f.type === 'message' && f.message.seq === 2)
    chat.close()
    let bobCookie = await sessionCookie(url, bob)
    const notifications = async () =>
      (
        (await (await fetch(`${url}/api/notifications`, { headers: { cookie: bobCookie } })).json()) as {
          notifications: { seq: number; preview: string }[]
        }
      ).notifications
    await poll(notifications, (n) => n.length === 2)
    // The room lists itself in D1 within seconds of its first message.
    let sueCookie = await sessionCookie(url, sue)
    await poll(
      async () =>
        (await (await fetch(`${url}/api/admin/conversations`, { headers: { cookie: sueCookie } })).json()) as {
          total: number
        },
      (r) => r.total === 1,
    )

    // 2. B is put first. The census counts what A still opens; Python agrees.
    url = await start(`${B},${A}`, { KEY_ROTATION_PAUSE_MS: '1500' })
    sueCookie = await sessionCookie(url, sue)
    const census = await poll(
      () => keysOf(url, sueCookie),
      (s) => !s.census.counting,
    )
    const [primary, older] = census.keys
    expect(primary).toMatchObject({ primary: true, tokens: 0 })
    expect(older!.primary).toBe(false)
    const before = scan(persistTo, { A, B }, bodies)
    expect(before.plaintext).toEqual([])
    expect(before.blobs).toBe(1)
    expect(before.counts.B).toBe(0)
    expect(before.counts.none).toBe(0)
    expect(before.counts.A).toBeGreaterThanOrEqual(4 + 2 + 1 + 2)
    expect(older!.tokens).toBe(before.counts.A)

    // 3. Re-encryption, killed midway.
    const started = await fetch(`${url}/api/admin/keys/reencrypt`, { method: 'POST', headers: { cookie: sueCookie } })
    expect(started.status).toBe(202)
    const midway = await poll(
      () => keysOf(url, sueCookie),
      (s) => s.reencryption.done > 0,
    )
    expect(midway.reencryption.state).toBe('running')
    expect(midway.reencryption.done).toBeLessThan(midway.reencryption.total)
    url = await start(`${B},${A}`, { KEY_ROTATION_PAUSE_MS: '200' })
    sueCookie = await sessionCookie(url, sue)
    const resumed = await keysOf(url, sueCookie)
    expect(resumed.reencryption.state).toBe('running')
    expect(resumed.reencryption.startedAt).toBe(midway.reencryption.startedAt)
    expect(resumed.reencryption.done).toBeGreaterThanOrEqual(midway.reencryption.done)
    const done = await poll(
      () => keysOf(url, sueCookie),
      // Then a census counts again, so the numbers that say A may go are exact.
      (s) => s.reencryption.state === 'done' && !s.census.counting,
    )
    expect(done.reencryption.done).toBe(done.reencryption.total)
    expect(done.keys.map((k) => k.tokens)).toEqual([before.counts.A, 0])
    expect(done.census.unreadable).toBe(0)
    await server.stop()

    // 4. At rest, every token opens with B alone, and none with A.
    const after = scan(persistTo, { B, A }, bodies)
    expect(after.plaintext).toEqual([])
    expect(after.where.A ?? {}).toEqual({})
    expect(after.counts).toEqual({ B: before.counts.A, A: 0, none: 0 })
    expect(after.blobs).toBe(1)

    // 5. A is gone from FERNET_KEYS: everything reads as before.
    url = await start(B)
    annCookie = await sessionCookie(url, ann)
    bobCookie = await sessionCookie(url, bob)
    sueCookie = await sessionCookie(url, sue)
    const me = (await (await fetch(`${url}/api/me`, { headers: { cookie: annCookie } })).json()) as {
      user: { firstName: string; lastName: string }
    }
    expect(me.user).toMatchObject({ firstName: 'Ann', lastName: 'Rotated' })
    const history = (await (
      await fetch(`${url}/api/conversations/${ann.user.id}/messages`, { headers: { cookie: bobCookie } })
    ).json()) as { messages: { body: string; unreadable?: true; attachments?: { name: string }[] }[] }
    expect(history.messages.map((m) => m.body)).toEqual(bodies)
    expect(history.messages.some((m) => m.unreadable)).toBe(false)
    expect(history.messages[1]!.attachments?.[0]?.name).toBe('rotation plan.pdf')
    const list = (await (await fetch(`${url}/api/conversations`, { headers: { cookie: bobCookie } })).json()) as {
      conversations: { peer: { firstName: string; lastName: string }; lastMessage: { body: string } }[]
    }
    expect(list.conversations[0]).toMatchObject({
      peer: { firstName: 'Ann', lastName: 'Rotated' },
      lastMessage: { body: bodies[1] },
    })
    expect((await notifications()).map((n) => n.preview).sort()).toEqual([...bodies].sort())
    const file = await fetch(`${url}/api/attachments/${attachment.id}`, { headers: { cookie: bobCookie } })
    expect(file.status).toBe(200)
    expect(Buffer.from(await file.arrayBuffer()).equals(bytes)).toBe(true)
    const onlyB = await keysOf(url, sueCookie)
    expect(onlyB.keys).toEqual([{ fingerprint: primary!.fingerprint, primary: true, tokens: before.counts.A }])
    expect(onlyB.reencryption.state).toBe('done')
    // The operator's view from a terminal says the same.
    const printed = execFileSync(
      join(ROOT, 'node_modules/.bin/node'),
      [join(ROOT, 'scripts/keys.ts'), 'status', '--url', url, '--email', sue.email, '--password', sue.password],
      { cwd: ROOT, env: QUIET_ENV, encoding: 'utf8' },
    )
    expect(printed).toMatch(new RegExp(`^${primary!.fingerprint}\\s+primary\\s+${before.counts.A}$`, 'm'))
    expect(printed).toMatch(/^re-encryption: done /m)
    await server.stop()
  })
})
