// Where every request enters: security headers, origin check, then one route module per
// capability under /api. Static assets are served before the Worker runs (wrangler.toml).
import { Hono } from 'hono'
import { openDb } from './db/client.ts'
import type { AppEnv } from './env.ts'
import { checkOrigin } from './http/origin.ts'
import { Problem } from './http/problem.ts'
import { SECURITY_HEADERS } from './http/security-headers.ts'
import { upgradeGate } from './http/upgrade-gate.ts'
import { noteRetentionPolicy } from './rooms/retention-walk.ts'
import { admin } from './routes/admin/index.ts'
import { attachments } from './routes/attachments.ts'
import { auth } from './routes/auth.ts'
import { blocks } from './routes/blocks.ts'
import { conversations } from './routes/conversations.ts'
import { me } from './routes/me.ts'
import { notifications } from './routes/notifications.ts'
import { push } from './routes/push.ts'
import { usersRoute } from './routes/users.ts'
import { countWorkerRequest, flushIsolateUsage, isolateFlushDue } from './usage/isolate-usage.ts'

export { UserInbox } from './inbox/user-inbox.ts'
export { KeyRotation } from './keys/key-rotation.ts'
export { RateLimiter } from './limits/rate-limiter.ts'
export { ChatRoom } from './rooms/chat-room.ts'
export { RetentionWalk } from './rooms/retention-walk.ts'

export const app = new Hono<AppEnv>()

app.use('*', async (c, next) => {
  // Static assets are served before the Worker (and free): every request here is billed.
  countWorkerRequest()
  await next()
  // This isolate's counts reach D1 at most every 30 s, after the response (isolate-usage.ts).
  if (isolateFlushDue(Date.now(), c.env)) {
    try {
      c.executionCtx.waitUntil(flushIsolateUsage(openDb(c.env.DB)))
    } catch {
      // No ExecutionContext (app.request from a script): a later request flushes.
    }
  }
  // A 101 upgrade response's headers are immutable and mean nothing to a socket.
  if (c.res.status === 101) return
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    // A download sets a stricter policy of its own (content-security-policy: sandbox).
    if (name === 'Content-Security-Policy' && c.res.headers.has(name)) continue
    c.res.headers.set(name, value)
  }
  if (!c.res.headers.has('cache-control') && c.req.path.startsWith('/api/'))
    c.res.headers.set('cache-control', 'no-store')
})
app.use('/api/*', checkOrigin)
app.use('/api/*', noteRetentionPolicy)
app.use('/api/*', upgradeGate)
app.use('/api/*', async (c, next) => {
  c.set('db', openDb(c.env.DB))
  await next()
})

app.get('/api/health', async (c) => {
  await c.env.DB.prepare('select 1').first()
  return c.json({ ok: true })
})
app.route('/api/auth', auth)
// Before /api/me, whose session middleware would otherwise check the session a second time.
app.route('/api/me/blocks', blocks)
app.route('/api/me', me)
app.route('/api/users', usersRoute)
app.route('/api/conversations', conversations)
app.route('/api/attachments', attachments)
app.route('/api/notifications', notifications)
app.route('/api/push', push)
app.route('/api/admin', admin)

app.notFound(async (c) => {
  if (c.req.path.startsWith('/api/')) {
    return new Problem(404, 'not-found', `There is no ${c.req.method} ${c.req.path} route.`).toResponse()
  }
  // Asset responses have immutable headers; a copy takes the security headers.
  const asset = await c.env.ASSETS.fetch(c.req.raw)
  return new Response(asset.body, asset)
})

app.onError((err, c) => {
  if (err instanceof Problem) return err.toResponse()
  // Never send internals to a client; log what identifies the request, not its body.
  console.error(`unhandled error on ${c.req.method} ${c.req.path}:`, err)
  return new Problem(500, 'internal', 'Something went wrong on our side. Please try again.').toResponse()
})

export default app
