// The authorization matrix: every route of the router × every kind of caller, with the
// status each cell must answer. A route added without a rule here fails the first test.
import { env, runDurableObjectAlarm, SELF } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { app } from '../../worker/index.ts'
import { roomFor } from '../../worker/rooms/room-key.ts'
import { call, ORIGIN, PASSWORD, sessionCookie, signUp, uniqueEmail } from './helpers/http.ts'
import { buildWorld, type Principal, type PrincipalName, roomIdOf, type World } from './helpers/principals.ts'
import { openChat, upgrade } from './helpers/socket.ts'

interface Req {
  path: string
  body?: unknown
  /** Sent as multipart/form-data instead of JSON. */
  form?: FormData
  ws?: boolean
}

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0])

function photoForm(thumbnail = false): FormData {
  const form = new FormData()
  form.set('file', new File([PNG], 'matrix.png', { type: 'image/png' }))
  if (thumbnail) form.set('thumbnail', new File([PNG], 'thumb.png', { type: 'image/png' }))
  return form
}

/** An upload of the caller's own (which they may download before sending it), or a made-up id. */
async function ownUpload(w: World, cookie: string | undefined, thumbnail = false): Promise<string> {
  const res = await SELF.fetch(`${ORIGIN}/api/conversations/${w.bob.id}/attachments`, {
    method: 'POST',
    headers: cookie ? { cookie } : {},
    body: photoForm(thumbnail),
  })
  if (res.status !== 201) {
    await res.body?.cancel()
    return 'f'.repeat(96)
  }
  return ((await res.json()) as { attachment: { id: string } }).attachment.id
}

interface Rule {
  /** Anyone may call it (still subject to the Origin check on writes). */
  public?: boolean
  admin?: boolean
  /** Superusers only: staff get 403 as members do. */
  superuser?: boolean
  /** Calling it ends or changes the caller's sessions: it gets a fresh account each time. */
  destructive?: boolean
  ok: number
  request: (w: World, cookie: string | undefined) => Promise<Req> | Req
}

const SUBSCRIPTION = {
  endpoint: 'https://push.parley.test/push/matrix',
  keys: { p256dh: `B${'A'.repeat(86)}`, auth: 'A'.repeat(22) },
}

const RULES: Record<string, Rule> = {
  'GET /api/health': { public: true, ok: 200, request: () => ({ path: '/api/health' }) },
  'POST /api/auth/register': {
    public: true,
    ok: 201,
    request: () => ({ path: '/api/auth/register', body: { email: uniqueEmail('matrix'), password: PASSWORD } }),
  },
  'POST /api/auth/login': {
    public: true,
    ok: 200,
    request: (w) => ({ path: '/api/auth/login', body: { email: w.bob.email, password: PASSWORD } }),
  },
  'POST /api/auth/logout': { destructive: true, ok: 204, request: () => ({ path: '/api/auth/logout', body: {} }) },
  'GET /api/me': { ok: 200, request: () => ({ path: '/api/me' }) },
  // A fresh account per caller: one export runs per user at a time, a few per hour.
  'GET /api/me/export': { destructive: true, ok: 200, request: () => ({ path: '/api/me/export' }) },
  'PATCH /api/me': { ok: 200, request: () => ({ path: '/api/me', body: { firstName: 'Matrix' } }) },
  'DELETE /api/me': { destructive: true, ok: 204, request: () => ({ path: '/api/me', body: { password: PASSWORD } }) },
  'POST /api/me/password': {
    destructive: true,
    ok: 204,
    request: () => ({
      path: '/api/me/password',
      body: { currentPassword: PASSWORD, newPassword: 'another fine passphrase' },
    }),
  },
  'GET /api/me/sessions': { ok: 200, request: () => ({ path: '/api/me/sessions' }) },
  'POST /api/me/sessions/revoke-others': {
    destructive: true,
    ok: 204,
    request: () => ({ path: '/api/me/sessions/revoke-others', body: {} }),
  },
  'DELETE /api/me/sessions/:id': {
    destructive: true,
    ok: 204,
    request: async (_w, cookie) => {
      const res = await call('/api/me/sessions', { cookie })
      const sessions = res.ok ? ((await res.json()) as { sessions: { id: string }[] }).sessions : []
      return { path: `/api/me/sessions/${sessions[0]?.id ?? crypto.randomUUID()}` }
    },
  },
  'GET /api/me/blocks': { ok: 200, request: () => ({ path: '/api/me/blocks' }) },
  // The target, never alice or bob: a block between them would refuse the matrix's own chat.
  'PUT /api/me/blocks/:userId': { ok: 204, request: (w) => ({ path: `/api/me/blocks/${w.target.id}`, body: {} }) },
  'DELETE /api/me/blocks/:userId': { ok: 204, request: (w) => ({ path: `/api/me/blocks/${w.target.id}` }) },
  'GET /api/users': { ok: 200, request: (w) => ({ path: `/api/users?q=${encodeURIComponent(w.bob.email)}` }) },
  'GET /api/conversations': { ok: 200, request: () => ({ path: '/api/conversations' }) },
  'GET /api/conversations/:peerId/messages': {
    ok: 200,
    request: (w) => ({ path: `/api/conversations/${w.bob.id}/messages` }),
  },
  'GET /api/conversations/:peerId/ws': {
    ok: 101,
    request: (w) => ({ path: `/api/conversations/${w.bob.id}/ws`, ws: true }),
  },
  'POST /api/conversations/:peerId/attachments': {
    ok: 201,
    request: (w) => ({ path: `/api/conversations/${w.bob.id}/attachments`, form: photoForm() }),
  },
  'GET /api/attachments/:id': {
    ok: 200,
    request: async (w, cookie) => ({ path: `/api/attachments/${await ownUpload(w, cookie)}` }),
  },
  'DELETE /api/attachments/:id': {
    ok: 204,
    request: async (w, cookie) => ({ path: `/api/attachments/${await ownUpload(w, cookie)}` }),
  },
  'GET /api/attachments/:id/thumbnail': {
    ok: 200,
    request: async (w, cookie) => ({ path: `/api/attachments/${await ownUpload(w, cookie, true)}/thumbnail` }),
  },
  'GET /api/notifications': { ok: 200, request: () => ({ path: '/api/notifications' }) },
  'POST /api/notifications/read': {
    ok: 204,
    request: () => ({ path: '/api/notifications/read', body: { all: true } }),
  },
  'GET /api/notifications/ws': { ok: 101, request: () => ({ path: '/api/notifications/ws', ws: true }) },
  'GET /api/push/public-key': { ok: 200, request: () => ({ path: '/api/push/public-key' }) },
  'POST /api/push/subscriptions': { ok: 201, request: () => ({ path: '/api/push/subscriptions', body: SUBSCRIPTION }) },
  'DELETE /api/push/subscriptions': {
    ok: 204,
    request: async (_w, cookie) => {
      await call('/api/push/subscriptions', { cookie, body: SUBSCRIPTION })
      return { path: `/api/push/subscriptions?endpoint=${encodeURIComponent(SUBSCRIPTION.endpoint)}` }
    },
  },
  'GET /api/admin/users': { admin: true, ok: 200, request: () => ({ path: '/api/admin/users?q=p' }) },
  'GET /api/admin/users/:id': { admin: true, ok: 200, request: (w) => ({ path: `/api/admin/users/${w.target.id}` }) },
  'PATCH /api/admin/users/:id': {
    admin: true,
    ok: 200,
    request: (w) => ({ path: `/api/admin/users/${w.target.id}`, body: { lastName: 'Edited' } }),
  },
  'GET /api/admin/conversations': { admin: true, ok: 200, request: () => ({ path: '/api/admin/conversations' }) },
  'GET /api/admin/conversations/:roomId': {
    admin: true,
    ok: 200,
    request: async (w) => ({ path: `/api/admin/conversations/${await roomIdOf(w)}` }),
  },
  'GET /api/admin/conversations/:roomId/messages': {
    admin: true,
    ok: 200,
    request: async (w) => ({ path: `/api/admin/conversations/${await roomIdOf(w)}/messages` }),
  },
  'GET /api/admin/activity': { admin: true, ok: 200, request: () => ({ path: '/api/admin/activity' }) },
  'GET /api/admin/audit': { admin: true, ok: 200, request: () => ({ path: '/api/admin/audit' }) },
  'GET /api/admin/keys': { admin: true, ok: 200, request: () => ({ path: '/api/admin/keys' }) },
  'GET /api/admin/usage': { admin: true, ok: 200, request: () => ({ path: '/api/admin/usage' }) },
  'POST /api/admin/keys/reencrypt': {
    admin: true,
    superuser: true,
    ok: 202,
    request: () => ({ path: '/api/admin/keys/reencrypt', body: {} }),
  },
}

const wsRoutes = new Set(
  Object.entries(RULES)
    .filter(([k]) => k.endsWith('/ws'))
    .map(([, r]) => r),
)
const SIGNED_OUT: PrincipalName[] = ['anonymous', 'deactivated', 'tampered', 'expired', 'algNone']

function expected(rule: Rule, method: string, who: PrincipalName): number {
  if (who === 'crossOrigin' && (method !== 'GET' || wsRoutes.has(rule))) return 403
  if (rule.public) return rule.ok
  if (SIGNED_OUT.includes(who)) return 401
  if (rule.admin && !['staff', 'superuser'].includes(who)) return 403
  if (rule.superuser && who !== 'superuser') return 403
  return rule.ok
}

function routerRoutes(): string[] {
  return [...new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))]
}

/** A fresh account with the principal's role, for routes that end sessions. */
async function freshPrincipal(p: Principal): Promise<Principal> {
  if (!['user', 'otherPairMember', 'staff', 'superuser', 'crossOrigin', 'deactivated'].includes(p.name)) return p
  const u = await signUp()
  // A second session, so "revoke one" and "revoke others" have something to act on.
  sessionCookie(await call('/api/auth/login', { body: { email: u.email, password: PASSWORD } }))
  const flags = { staff: [1, 0], superuser: [1, 1] } as Record<string, [number, number]>
  const [staff, su] = flags[p.name] ?? [0, 0]
  await env.DB.prepare('update users set is_staff = ?, is_superuser = ?, is_active = ? where id = ?')
    .bind(staff, su, p.name === 'deactivated' ? 0 : 1, u.id)
    .run()
  return { ...p, cookie: u.cookie }
}

async function perform(rule: Rule, method: string, world: World, p: Principal): Promise<number> {
  const req = await rule.request(world, p.cookie)
  if (req.ws) {
    const res = await upgrade(req.path, p.cookie, p.headers)
    res.webSocket?.accept()
    res.webSocket?.close(1000, 'matrix')
    return res.status
  }
  const res = req.form
    ? await SELF.fetch(`${ORIGIN}${req.path}`, {
        method,
        headers: { ...p.headers, ...(p.cookie ? { cookie: p.cookie } : {}) },
        body: req.form,
      })
    : await call(req.path, { method, body: req.body, cookie: p.cookie, headers: p.headers })
  await res.body?.cancel()
  return res.status
}

describe('authorization matrix', () => {
  let world: World

  beforeAll(async () => {
    world = await buildWorld()
    const chat = await openChat(world.alice.cookie, world.bob.id)
    chat.send({ type: 'send', clientId: 'matrix', body: 'hello' })
    await chat.nextOfType('message')
    chat.close()
    await runDurableObjectAlarm(roomFor(env, world.alice.id, world.bob.id).stub)
  }, 60_000)

  it('has a rule for every route in the router, and a route for every rule', () => {
    expect(routerRoutes().sort()).toEqual(Object.keys(RULES).sort())
  })

  for (const [key, rule] of Object.entries(RULES)) {
    const [method, route] = key.split(' ') as [string, string]
    it(`answers ${route} (${method}) as expected for every caller`, async () => {
      const got: Record<string, number> = {}
      const want: Record<string, number> = {}
      for (const base of world.principals) {
        const p = rule.destructive ? await freshPrincipal(base) : base
        got[p.name] = await perform(rule, method, world, p)
        want[p.name] = expected(rule, method, p.name)
      }
      expect(got).toEqual(want)
    }, 60_000)
  }
})
