// The session check is answered by the user's UserInbox (SessionGate, ADR 010): D1 is read
// once, not on every request, and yet every way a session ends or the user changes applies
// on the very next request, from any device.
import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { inboxOf } from '../../worker/inbox/inbox-key.ts'
import type { UserInbox } from '../../worker/inbox/user-inbox.ts'
import { call, PASSWORD, type SignedUp, signIn, signUp } from './helpers/http.ts'
import { eventually } from './helpers/wait.ts'

async function sessionIdOf(cookie: string): Promise<string> {
  const { sessions } = (await (await call('/api/me/sessions', { cookie })).json()) as {
    sessions: { id: string; current: boolean }[]
  }
  return sessions.find((s) => s.current)!.id
}

/**
 * Counts the D1 statements prepared from now on through the user's inbox's binding (the real
 * one, wrapped). In the test runtime the Worker and the objects share that binding, so this
 * counts the Worker's statements too.
 */
async function countInboxD1(user: SignedUp): Promise<() => Promise<number>> {
  const inbox = inboxOf(env, user.id)
  await runInDurableObject(inbox, (instance: UserInbox) => {
    const db = bindingOf(instance)
    // The binding outlives the test: wrap its own prepare once, and count from zero now.
    db.unwrapped ??= db.prepare.bind(db)
    const prepare = db.unwrapped
    db.counted = 0
    db.prepare = (query: string) => {
      db.counted!++
      return prepare(query)
    }
  })
  return () => runInDurableObject(inbox, (instance: UserInbox) => bindingOf(instance).counted ?? 0)
}

type CountedD1 = D1Database & { counted?: number; unwrapped?: D1Database['prepare'] }

const bindingOf = (instance: UserInbox) => (instance as unknown as { env: { DB: CountedD1 } }).env.DB

const status = async (cookie: string, path = '/api/me') => (await call(path, { cookie })).status

describe('the session check', () => {
  it('reads D1 once for many requests of a session, and not at all in the Worker', async () => {
    const me = await signUp()
    expect(await status(me.cookie)).toBe(200)
    const inboxReads = await countInboxD1(me)
    for (let i = 0; i < 20; i++) expect(await status(me.cookie, '/api/conversations')).toBe(200)
    expect(await inboxReads()).toBe(0)
  })

  it('reads the role afresh for GET /api/me and the admin routes, so a promotion in D1 shows at once', async () => {
    const me = await signUp()
    expect(await status(me.cookie, '/api/conversations')).toBe(200)
    expect(await status(me.cookie, '/api/admin/activity')).toBe(403)
    // As `createsuperuser` does it: straight into D1, past the inbox.
    await env.DB.prepare('update users set is_staff = 1, is_superuser = 1 where id = ?').bind(me.id).run()
    const { user } = (await (await call('/api/me', { cookie: me.cookie })).json()) as { user: { isStaff: boolean } }
    expect(user.isStaff).toBe(true)
    expect(await status(me.cookie, '/api/admin/activity')).toBe(200)
    await env.DB.prepare('update users set is_staff = 0, is_superuser = 0 where id = ?').bind(me.id).run()
    expect(await status(me.cookie, '/api/admin/activity')).toBe(403)
  })

  it('reads D1 again for a session it has not seen', async () => {
    const me = await signUp()
    expect(await status(me.cookie)).toBe(200)
    const other = await signIn(me.email)
    const inboxReads = await countInboxD1(me)
    expect(await status(other, '/api/conversations')).toBe(200)
    expect(await status(other, '/api/conversations')).toBe(200)
    expect(await inboxReads()).toBe(1)
  })

  it.each([
    ['logging out', (victim: string) => call('/api/auth/logout', { method: 'POST', cookie: victim })],
    [
      'being revoked from another device',
      async (victim: string, other: string) =>
        call(`/api/me/sessions/${await sessionIdOf(victim)}`, { method: 'DELETE', cookie: other }),
    ],
    [
      'signing out everywhere else',
      (_: string, other: string) => call('/api/me/sessions/revoke-others', { method: 'POST', cookie: other }),
    ],
    [
      'a password change on another device',
      (_: string, other: string) =>
        call('/api/me/password', {
          method: 'POST',
          cookie: other,
          body: { currentPassword: PASSWORD, newPassword: 'another long passphrase of mine' },
        }),
    ],
  ])('refuses a session on the next request after %s', async (_, end) => {
    const me = await signUp()
    const other = await signIn(me.email)
    expect(await status(me.cookie)).toBe(200)
    expect(await status(me.cookie, '/api/conversations')).toBe(200)
    expect((await end(me.cookie, other)).status).toBe(204)
    expect(await status(me.cookie)).toBe(401)
    expect(await status(me.cookie, '/api/conversations')).toBe(401)
  })

  it('shows a name changed on one device to the next request of another', async () => {
    const me = await signUp({ firstName: 'Old', lastName: 'Name' })
    const other = await signIn(me.email)
    expect(await status(other)).toBe(200)
    const res = await call('/api/me', { method: 'PATCH', cookie: me.cookie, body: { firstName: 'New' } })
    expect(res.status).toBe(200)
    const { user } = (await (await call('/api/me', { cookie: other })).json()) as { user: { firstName: string } }
    expect(user.firstName).toBe('New')
  })

  it('refuses every session of a user deactivated by staff on their next request', async () => {
    const [me, su] = await Promise.all([signUp(), signUp()])
    await env.DB.prepare('update users set is_staff = 1, is_superuser = 1 where id = ?').bind(su.id).run()
    const other = await signIn(me.email)
    expect(await status(me.cookie)).toBe(200)
    expect(await status(other)).toBe(200)
    const res = await call(`/api/admin/users/${me.id}`, {
      method: 'PATCH',
      cookie: su.cookie,
      body: { isActive: false },
    })
    expect(res.status).toBe(200)
    expect(await status(me.cookie)).toBe(401)
    expect(await status(other)).toBe(401)
  })

  it("refreshes a session's last-seen time when it is older than five minutes, and not on every request", async () => {
    const me = await signUp()
    const id = await sessionIdOf(me.cookie)
    const old = new Date(Date.now() - 10 * 60_000).toISOString()
    await env.DB.prepare('update sessions set last_seen_at = ? where id = ?').bind(old, id).run()
    // Forgotten, so the next check reads the old time from D1.
    await inboxOf(env, me.id).userChanged()
    expect(await status(me.cookie, '/api/conversations')).toBe(200)
    const seen = () =>
      env.DB.prepare('select last_seen_at as at from sessions where id = ?').bind(id).first<{ at: string }>()
    const touched = await eventually(seen, (r) => r !== null && r.at > old)
    expect(touched!.at > old).toBe(true)
    await env.DB.prepare('update sessions set last_seen_at = ? where id = ?').bind(old, id).run()
    expect(await status(me.cookie, '/api/conversations')).toBe(200)
    await new Promise((r) => setTimeout(r, 200))
    expect((await seen())!.at).toBe(old)
  })

  it('refuses a session whose JWT names another user', async () => {
    const [me, other] = await Promise.all([signUp(), signUp()])
    const id = await sessionIdOf(me.cookie)
    expect(await inboxOf(env, other.id).checkSession(other.id, id)).toBeNull()
    expect(await inboxOf(env, me.id).checkSession(me.id, id)).not.toBeNull()
  })
})
