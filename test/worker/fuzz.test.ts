// A fuzzer over every HTTP route and both socket kinds: malformed JSON, wrong types, huge
// and unicode-edge strings, `__proto__` keys, oversize bodies and frames. No input may
// produce a 5xx, crash a socket or leave partial state behind.
import { env } from 'cloudflare:test'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { app } from '../../worker/index.ts'
import { call, freshAddress, type SignedUp, signUp } from './helpers/http.ts'
import { openChat, openSocket } from './helpers/socket.ts'

const edgeStrings = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '__proto__',
    'constructor',
    '\u0000',
    '\uD800',
    '\uFEFF',
    '../../etc/passwd',
    "'; drop table users; --",
    '%00',
    '%ED%A0%80',
    '%ff%fe',
    'a'.repeat(5000),
    '😀'.repeat(4001),
    'x'.repeat(70 * 1024),
  ),
)
const values = fc.oneof(edgeStrings, fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined))
const bodies = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc
    .dictionary(
      fc.oneof(edgeStrings, fc.constantFrom('email', 'password', 'firstName', 'ids', 'all', 'isStaff')),
      values,
      {
        maxKeys: 5,
      },
    )
    .map((o) => JSON.stringify(o)),
  fc.constantFrom(
    '{"__proto__":{"isStaff":true}}',
    '{"constructor":{"prototype":{}}}',
    '{',
    '[]',
    'null',
    '"x"',
    '\u0000',
  ),
  edgeStrings,
)

/** Lone surrogates cannot be percent-encoded; raw invalid UTF-8 escapes are sent as they are. */
const enc = (s: string) => (s.startsWith('%') ? s : encodeURIComponent(s.replace(/\p{Surrogate}/gu, '\uFFFD')))

let requests = 0
let serverErrors = 0
let frames = 0

function routes(): { method: string; path: string }[] {
  const seen = new Set<string>()
  return app.routes
    .filter((r) => r.method !== 'ALL')
    .filter((r) => {
      const key = `${r.method} ${r.path}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
}

describe('fuzzer', () => {
  let user: SignedUp
  let staff: SignedUp
  let before: string

  beforeAll(async () => {
    user = await signUp({ firstName: 'Fuzz' })
    staff = await signUp({ firstName: 'Admin' })
    await env.DB.prepare('update users set is_staff = 1, is_superuser = 1 where id = ?').bind(staff.id).run()
    before = JSON.stringify(await (await call('/api/me', { cookie: user.cookie })).json())
  })

  afterAll(() => {
    console.log(`fuzz: ${requests} HTTP requests, ${serverErrors} 5xx; ${frames} socket frames`)
  })

  for (const { method, path } of routes()) {
    const expensive = path.startsWith('/api/auth/') // argon2id per valid-looking attempt
    it(`never answers ${method} ${path} with a 5xx`, async () => {
      const ip = freshAddress()
      await fc.assert(
        fc.asyncProperty(bodies, edgeStrings, fc.boolean(), async (body, param, asStaff) => {
          const concrete = path.replace(/:\w+/g, () => enc(param).slice(0, 2000) || 'x')
          const q = enc(param.slice(0, 300))
          const query = `?q=${q}&limit=${q.slice(0, 20)}&before=${q.slice(0, 20)}&page=${q.slice(0, 20)}&after=${q.slice(0, 20)}`
          const cookie = (asStaff ? staff : user).cookie
          // Never end the fuzzing user's own sessions: that is tested elsewhere.
          const harmful =
            path.includes('logout') ||
            path.includes('revoke') ||
            path.includes('/sessions/') ||
            path.includes('password')
          const res = await call(`${concrete}${query}`, {
            method,
            cookie: harmful ? undefined : cookie,
            headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
            body: method === 'GET' ? undefined : body,
          })
          await res.body?.cancel()
          requests++
          if (res.status >= 500) serverErrors++
          expect(res.status, `${method} ${concrete} ${body.slice(0, 200)}`).toBeLessThan(500)
        }),
        { numRuns: expensive ? 12 : 40 },
      )
    }, 120_000)
  }

  it("leaves the user's state unchanged when every attempt was refused", async () => {
    const me = (await (await call('/api/me', { cookie: user.cookie })).json()) as { user: { firstName: string } }
    // PATCH /api/me can legitimately succeed with a random valid name; anything else must not stick.
    const beforeUser = JSON.parse(before) as { user: Record<string, unknown> }
    expect({ ...me.user, firstName: '', lastName: '' }).toEqual({ ...beforeUser.user, firstName: '', lastName: '' })
  })

  it('keeps a chat socket usable through any frame, answering errors', async () => {
    const peer = await signUp()
    const ws = await openChat(user.cookie, peer.id)
    const samples = fc.sample(
      fc.oneof(
        bodies,
        fc
          .record({
            type: fc.constantFrom('send', 'read', 'typing', 'viewing', 'ping', 'x'),
            clientId: values,
            body: values,
            upTo: values,
            active: values,
          })
          .map((f) => JSON.stringify(f)),
      ),
      { numRuns: 40, seed: 4242 },
    )
    for (const frame of samples) ws.send(frame)
    frames += samples.length
    ws.send({ type: 'send', clientId: 'after-fuzz', body: 'still here' })
    const echo = await ws.next((f) => f.type === 'message' && f.message.clientId === 'after-fuzz', 10_000)
    expect(echo.message.body).toBe('still here')
    expect(ws.closeCode).toBeNull()
    ws.close()
  })

  it('keeps a notifications socket usable through any frame', async () => {
    const ws = await openSocket('/api/notifications/ws', user.cookie)
    const samples = fc.sample(bodies, { numRuns: 30, seed: 7 })
    for (const frame of samples) ws.send(frame)
    frames += samples.length
    ws.send('{"type":"ping"}')
    expect(await ws.nextOfType('pong')).toEqual({ type: 'pong' })
    expect(ws.closeCode).toBeNull()
    ws.close()
  })
})
