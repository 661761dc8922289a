// /api/push: Web Push subscriptions for the signed-in user's devices (kept in their UserInbox).
import { Hono } from 'hono'
import type { AppEnv } from '../env.ts'
import { asObject, body, notAnObject, type Parsed } from '../http/body.ts'
import { invalid, notSignedIn, Problem } from '../http/problem.ts'
import { requireSession } from '../http/session.ts'
import { inboxOf } from '../inbox/inbox-key.ts'
import {
  isKnownPushService,
  pushConfigured,
  pushServiceHosts,
  type StoredSubscription,
  subscriptionProblem,
  UNKNOWN_PUSH_SERVICE,
} from '../push/web-push.ts'

function parseSubscription(raw: unknown): Parsed<StoredSubscription> {
  const obj = asObject(raw)
  if (!obj) return notAnObject()
  const keys = asObject(obj.keys)
  const sub = {
    endpoint: typeof obj.endpoint === 'string' ? obj.endpoint : '',
    p256dh: typeof keys?.p256dh === 'string' ? keys.p256dh : '',
    auth: typeof keys?.auth === 'string' ? keys.auth : '',
  }
  const errors = subscriptionProblem(sub)
  return errors ? { ok: false, errors } : { ok: true, value: sub }
}

export const push = new Hono<AppEnv>()
  .use(requireSession)
  .get('/public-key', (c) => c.json({ publicKey: pushConfigured(c.env) ? c.env.VAPID_PUBLIC_KEY : null }))

  .post('/subscriptions', body(parseSubscription), async (c) => {
    if (!isKnownPushService(c.req.valid('json').endpoint, pushServiceHosts(c.env))) {
      throw invalid({ endpoint: UNKNOWN_PUSH_SERVICE })
    }
    if (!pushConfigured(c.env)) throw new Problem(409, 'push-disabled', 'Push notifications are not set up here.')
    // False when the account was deleted after this request's session check: as for an ended session.
    if (!(await inboxOf(c.env, c.var.user.id).addPushSubscription(c.req.valid('json')))) throw notSignedIn()
    return c.body(null, 201)
  })

  .delete('/subscriptions', async (c) => {
    const endpoint = c.req.query('endpoint') ?? ''
    if (endpoint === '') throw invalid({ endpoint: 'Name the subscription with ?endpoint=<its URL>.' })
    const removed = await inboxOf(c.env, c.var.user.id).removePushSubscription(endpoint)
    if (!removed) throw new Problem(404, 'subscription-not-found', 'This device has no push subscription.')
    return c.body(null, 204)
  })
