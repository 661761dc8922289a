// /api/notifications: the signed-in user's notifications and their live socket (UserInbox).
import { Hono } from 'hono'
import type { AppEnv } from '../env.ts'
import { asObject, body, notAnObject, type Parsed, unknownFields } from '../http/body.ts'
import { parseCursor, parseLimit } from '../http/params.ts'
import { Problem } from '../http/problem.ts'
import { requireSession } from '../http/session.ts'
import { inboxOf } from '../inbox/inbox-key.ts'
import { forwardUpgrade } from '../sockets/forward-upgrade.ts'

const MAX_IDS = 500

function parseMarkRead(raw: unknown): Parsed<number[] | 'all'> {
  const obj = asObject(raw)
  if (!obj) return notAnObject()
  const errors = unknownFields(obj, ['ids', 'all'])
  if (Object.keys(errors).length > 0) return { ok: false, errors }
  if (obj.all === true && obj.ids === undefined) return { ok: true, value: 'all' }
  const ids = obj.ids
  if (
    !Array.isArray(ids) ||
    ids.length > MAX_IDS ||
    !ids.every((id) => typeof id === 'string' && /^\d{1,15}$/.test(id))
  ) {
    return {
      ok: false,
      errors: { ids: `Send { "ids": [notification ids] } (at most ${MAX_IDS}) or { "all": true }.` },
    }
  }
  return { ok: true, value: ids.map(Number) }
}

export const notifications = new Hono<AppEnv>()
  .use(requireSession)
  .get('/', async (c) => {
    const before = parseCursor(c.req.query('before'), 'before')
    const limit = parseLimit(c.req.query('limit'))
    return c.json(await inboxOf(c.env, c.var.user.id).listNotifications(before, limit))
  })

  .post('/read', body(parseMarkRead), async (c) => {
    await inboxOf(c.env, c.var.user.id).markNotificationsRead(c.req.valid('json'))
    return c.body(null, 204)
  })

  .get('/ws', async (c) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      throw new Problem(426, 'upgrade-required', 'This route takes a WebSocket upgrade.')
    }
    const headers = new Headers(c.req.raw.headers)
    headers.set('x-parley-session', c.var.session.sessionId)
    headers.set('x-parley-user', c.var.user.id)
    return forwardUpgrade(inboxOf(c.env, c.var.user.id), new Request(c.req.raw, { headers }))
  })
