// After an edit and a deletion, the old text is nowhere in what the server stored: Python's
// `cryptography` opens every Fernet token in every cell of every SQLite database under the
// test server's state (both rooms' and inboxes' Durable Objects, D1), and neither the text
// before the edit nor the deleted text is in a cell or in a token (issue 11, at rest).
import { randomUUID } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import WebSocket from 'ws'
import { createAccount } from './helpers/accounts.ts'
import { scanState } from './helpers/at-rest.ts'
import { devFernetKeys } from './helpers/dev-keys.ts'
import { sessionCookie } from './helpers/node-chat.ts'

const baseUrl = inject('baseUrl')
const persistTo = inject('persistTo')

// Reads every text cell of every SQLite database under the state dir: counts cells and
// tokens, and reports any cell or token holding a needle.
const SCAN = `
import json, re, sys
from cryptography.fernet import Fernet, MultiFernet, InvalidToken
req = json.load(sys.stdin)
fernet = MultiFernet([Fernet(k.strip()) for k in req['keys'].split(',')])
needles = req['needles']
token_re = re.compile(r'gAAAAA[A-Za-z0-9_-]+=*')
found, cells, tokens = [], 0, 0
def on_cell(table, cell):
    global cells, tokens
    cells += 1
    for n in needles:
        if n in cell:
            found.append({'where': table, 'needle': n, 'as': 'plaintext'})
    for token in token_re.findall(cell):
        try:
            plain = fernet.decrypt(token.encode()).decode('utf-8', 'replace')
        except InvalidToken:
            continue
        tokens += 1
        for n in needles:
            if n in plain:
                found.append({'where': table, 'needle': n, 'as': 'token'})
databases = walk_state(req['root'], on_cell)
json.dump({'databases': databases, 'cells': cells, 'tokens': tokens, 'found': found}, sys.stdout)
`

interface Scan {
  databases: number
  cells: number
  tokens: number
  found: { where: string; needle: string; as: string }[]
}

function scan(needles: string[]): Scan {
  return scanState<Scan>(SCAN, { keys: devFernetKeys(), needles, root: persistTo })
}

/** A chat socket from Node: raw frames out, and a wait for the first frame that matches. */
async function chat(cookie: string, peerId: string) {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/conversations/${peerId}/ws`, { headers: { cookie } })
  const frames: Record<string, unknown>[] = []
  ws.on('message', (data) => frames.push(JSON.parse(String(data))))
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  const until = async (match: (f: Record<string, unknown>) => boolean) => {
    await expect.poll(() => frames.some(match)).toBe(true)
    return frames.find(match)!
  }
  return { send: (frame: unknown) => ws.send(JSON.stringify(frame)), until, close: () => ws.close() }
}

describe('edited and deleted text at rest', () => {
  it("leaves Ann's text before her edit, and the message she deleted, in no stored cell and no token", async () => {
    const [ann, bob] = await Promise.all([createAccount(baseUrl), createAccount(baseUrl)])
    const [annCookie, bobCookie] = await Promise.all([sessionCookie(baseUrl, ann), sessionCookie(baseUrl, bob)])
    const before = `before-the-edit-${randomUUID()}`
    const deleted = `deleted-for-everyone-${randomUUID()}`
    const after = `after-the-edit-${randomUUID()}`
    const kept = `kept-${randomUUID()}`
    const isMessage = (seq: number) => (f: Record<string, unknown>) =>
      (f.type === 'message' || f.type === 'update') && (f.message as { seq: number }).seq === seq
    const socket = await chat(annCookie, bob.user.id)
    // Bob has no socket open, so each message raises a notification in his inbox.
    socket.send({ type: 'send', clientId: 'one', body: before })
    await socket.until(isMessage(1))
    socket.send({ type: 'send', clientId: 'two', body: deleted })
    await socket.until(isMessage(2))
    socket.send({ type: 'send', clientId: 'three', body: kept })
    await socket.until(isMessage(3))
    // Both inboxes have the notifications and the previews before anything changes.
    const notifications = async () =>
      (
        (await (await fetch(`${baseUrl}/api/notifications`, { headers: { cookie: bobCookie } })).json()) as {
          notifications: { seq: number; preview: string }[]
        }
      ).notifications
    await expect.poll(async () => (await notifications()).length).toBe(3)
    socket.send({ type: 'edit', seq: 1, body: after })
    socket.send({ type: 'delete', seq: 2 })
    await socket.until((f) => f.type === 'update' && (f.message as { deletedAt?: string }).deletedAt !== undefined)
    await expect
      .poll(async () => (await notifications()).map((n) => [n.seq, n.preview]))
      .toEqual([
        [3, kept],
        [1, after],
      ])
    socket.close()

    const result = scan([before, deleted, after, kept])
    // The scan saw the rooms, the inboxes and D1, and the texts that should be there.
    expect(result.databases).toBeGreaterThanOrEqual(4)
    expect(result.found.filter((f) => f.as === 'plaintext')).toEqual([])
    const inTokens = new Set(result.found.filter((f) => f.as === 'token').map((f) => f.needle))
    expect(inTokens.has(after), 'the edited text is stored, as tokens').toBe(true)
    expect(inTokens.has(kept)).toBe(true)
    expect(inTokens.has(before), 'no token holds the text before the edit').toBe(false)
    expect(inTokens.has(deleted), 'no token holds the deleted text').toBe(false)
  })
})
