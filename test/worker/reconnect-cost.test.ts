// What a reconnect costs in D1 (issue 15: a reconnect storm must not cost more than 2 D1
// queries per reconnect; ADR 012): the statements really run, counted on the real binding
// (helpers/d1-count.ts), for each socket upgrade and for the HTTP reads a reconnecting client
// makes; and that the one statement reading the peer and the pair's blocks keeps every rule.
import { env } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { countD1, type D1Tally } from './helpers/d1-count.ts'
import { call, problemOf, type SignedUp, signUp } from './helpers/http.ts'
import { openChat, openSocket, type TestSocket } from './helpers/socket.ts'

/** The budget of the issue: D1 statements per socket upgrade or reconnect request. */
const BUDGET = 2

let tally: D1Tally | null = null
const open: TestSocket[] = []
afterEach(() => {
  tally?.stop()
  tally = null
  for (const s of open.splice(0)) s.close()
})

/** The D1 statements `run` causes, the Worker's and the objects' alike. */
async function statementsOf(run: () => Promise<unknown>): Promise<string[]> {
  tally = countD1()
  try {
    await run()
    return [...tally.statements]
  } finally {
    tally.stop()
    tally = null
  }
}

async function pair(): Promise<[SignedUp, SignedUp]> {
  const [a, b] = await Promise.all([signUp({ firstName: 'Ada' }), signUp({ firstName: 'Bob' })])
  return [a, b]
}

describe('D1 statements per reconnect', () => {
  it('a chat socket upgrade to a room that never ran (as after a deploy) costs at most 2', async () => {
    const [a, b] = await pair()
    const statements = await statementsOf(async () => open.push(await openChat(a.cookie, b.id)))
    expect(statements.length, statements.join('\n')).toBeLessThanOrEqual(BUDGET)
    // The room still names the peer in `ready`, from the row the Worker read.
    expect(open[0]!.ready?.peer).toMatchObject({ id: b.id, email: b.email, firstName: 'Bob' })
    // And the other member's first upgrade to the room, which has not seen their peer yet.
    const other = await statementsOf(async () => open.push(await openChat(b.cookie, a.id)))
    expect(other.length, other.join('\n')).toBeLessThanOrEqual(BUDGET)
    expect(open[1]!.ready?.peer).toMatchObject({ id: a.id, firstName: 'Ada' })
  })

  it('a notifications socket upgrade costs at most 2', async () => {
    const [a] = await pair()
    const statements = await statementsOf(async () => {
      const socket = await openSocket('/api/notifications/ws', a.cookie)
      open.push(socket)
      await socket.nextOfType('unread')
    })
    expect(statements.length, statements.join('\n')).toBeLessThanOrEqual(BUDGET)
  })

  it('the reads a reconnecting client makes (history probe, conversation list) cost at most 2 each', async () => {
    const [a, b] = await pair()
    const chat = await openChat(a.cookie, b.id)
    open.push(chat)
    chat.send({ type: 'send', clientId: 'c1', body: 'hello' })
    await chat.next((f) => f.type === 'message' && f.message.clientId === 'c1')
    for (const path of [
      `/api/conversations/${a.id}/messages?limit=1`,
      '/api/conversations',
      '/api/notifications?limit=1',
    ]) {
      let res: Response | null = null
      const statements = await statementsOf(async () => {
        res = await call(path, { cookie: b.cookie })
        await res.text()
      })
      expect(res!.status, path).toBe(200)
      expect(statements.length, `${path}:\n${statements.join('\n')}`).toBeLessThanOrEqual(BUDGET)
    }
  })
})

describe("the session's last_seen_at", () => {
  it('is not refreshed by an upgrade, and once by the reads a reconnecting client makes at once', async () => {
    const [a, b] = await pair()
    const stale = new Date(Date.now() - 3_600_000).toISOString()
    await env.DB.prepare('update sessions set last_seen_at = ? where user_id = ?').bind(stale, a.id).run()
    const upgrades = await statementsOf(async () => {
      open.push(await openChat(a.cookie, b.id))
      open.push(await openSocket('/api/notifications/ws', a.cookie))
    })
    expect(upgrades.filter((q) => /^update "sessions"/.test(q))).toEqual([])
    const paths = ['/api/conversations', '/api/notifications?limit=1', `/api/conversations/${b.id}/messages?limit=1`]
    const reads = await statementsOf(async () => {
      const answers = await Promise.all(paths.map((path) => call(path, { cookie: a.cookie })))
      for (const res of answers) {
        expect(res.status).toBe(200)
        await res.text()
      }
    })
    // The write is started before each answer (in waitUntil), so it is counted by now.
    expect(reads.filter((q) => /^update "sessions"/.test(q))).toHaveLength(1)
  })
})

describe('the peer and the blocks in one statement', () => {
  it('answers 404 for an unknown peer and 400 for oneself, on the socket route and over HTTP', async () => {
    const [a] = await pair()
    const unknown = crypto.randomUUID()
    for (const path of [`/api/conversations/${unknown}/ws`, `/api/conversations/${unknown}/messages`]) {
      const res = await call(path, { cookie: a.cookie, headers: { upgrade: 'websocket' } })
      expect(res.status, path).toBe(404)
      expect((await problemOf(res)).type).toBe('/problems/user-not-found')
    }
    const self = await call(`/api/conversations/${a.id}/ws`, { cookie: a.cookie, headers: { upgrade: 'websocket' } })
    expect(self.status).toBe(400)
    expect((await problemOf(self)).errors).toHaveProperty('peerId')
  })

  it('reads a block by either member, and both, in the same statement', async () => {
    const [a, b] = await pair()
    const first = await openChat(a.cookie, b.id)
    expect(first.ready?.blocked).toBe('none')
    first.close()
    expect((await call(`/api/me/blocks/${b.id}`, { method: 'PUT', cookie: a.cookie })).status).toBe(204)
    const byMe = await openChat(a.cookie, b.id)
    open.push(byMe)
    expect(byMe.ready?.blocked).toBe('by-me')
    const byPeer = await openChat(b.cookie, a.id)
    open.push(byPeer)
    expect(byPeer.ready?.blocked).toBe('by-peer')
    expect((await call(`/api/me/blocks/${a.id}`, { method: 'PUT', cookie: b.cookie })).status).toBe(204)
    const both = await openChat(b.cookie, a.id)
    open.push(both)
    expect(both.ready?.blocked).toBe('by-me')
  })

  it('still lets a member open a conversation with a deleted account, which shows as deleted', async () => {
    const [a, b] = await pair()
    open.push(await openChat(a.cookie, b.id))
    const gone = await call('/api/me', { method: 'DELETE', cookie: b.cookie, body: { password: b.password } })
    expect(gone.status).toBe(204)
    const again = await openChat(a.cookie, b.id)
    open.push(again)
    expect(again.ready?.peer).toMatchObject({ id: b.id, deleted: true })
  })
})
