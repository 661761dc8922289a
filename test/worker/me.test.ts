import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { call, PASSWORD, problemOf, sessionCookie, signUp } from './helpers/http.ts'

async function login(email: string, password = PASSWORD, userAgent = 'test-agent') {
  const res = await call('/api/auth/login', { body: { email, password }, headers: { 'user-agent': userAgent } })
  expect(res.status).toBe(200)
  return sessionCookie(res)
}

describe('me', () => {
  it('answers 401 with a problem when not signed in', async () => {
    const res = await call('/api/me')
    expect(res.status).toBe(401)
    expect((await problemOf(res)).status).toBe(401)
  })

  it.each([
    ['garbage', 'parley_session=not-a-jwt'],
    ['alg none', `parley_session=${btoa('{"alg":"none"}')}.${btoa('{"sub":"x","sid":"y"}')}.`],
  ])('answers 401 to a %s token', async (_, cookie) => {
    expect((await call('/api/me', { cookie })).status).toBe(401)
  })

  it('updates first and last name and returns the user', async () => {
    const { cookie } = await signUp({ firstName: 'Old', lastName: 'Name' })
    const res = await call('/api/me', { method: 'PATCH', cookie, body: { firstName: '  Marie ', lastName: 'Curie' } })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { user: unknown }).user).toMatchObject({ firstName: 'Marie', lastName: 'Curie' })
    const again = (await (await call('/api/me', { cookie })).json()) as { user: unknown }
    expect(again.user).toMatchObject({ firstName: 'Marie', lastName: 'Curie' })
  })

  it('changes only the name that is sent', async () => {
    const { cookie } = await signUp({ firstName: 'Keep', lastName: 'Change' })
    const res = await call('/api/me', { method: 'PATCH', cookie, body: { lastName: 'Changed' } })
    expect(((await res.json()) as { user: unknown }).user).toMatchObject({ firstName: 'Keep', lastName: 'Changed' })
  })

  it('refuses an unknown field with a 400 naming it, and changes nothing', async () => {
    const { cookie } = await signUp({ firstName: 'Same' })
    const res = await call('/api/me', { method: 'PATCH', cookie, body: { firstName: 'Other', email: 'x@y.com' } })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors?.email).toBeTruthy()
    const me = (await (await call('/api/me', { cookie })).json()) as { user: { firstName: string } }
    expect(me.user.firstName).toBe('Same')
  })

  it('refuses "__proto__" as an unknown field too', async () => {
    const { cookie } = await signUp({ firstName: 'Same' })
    const res = await call('/api/me', { method: 'PATCH', cookie, body: '{"firstName":"Other","__proto__":{}}' })
    expect(res.status).toBe(400)
    expect(Object.keys((await problemOf(res)).errors ?? {})).toEqual(['__proto__'])
  })

  it.each([
    ['a number', { firstName: 5 }],
    ['over 100 characters', { lastName: 'y'.repeat(101) }],
    ['a line break', { firstName: 'a\nb' }],
  ])('refuses a name that is %s', async (_, body) => {
    const { cookie } = await signUp()
    const res = await call('/api/me', { method: 'PATCH', cookie, body })
    expect(res.status).toBe(400)
  })

  it('accepts a name of exactly 100 emoji (code points)', async () => {
    const { cookie } = await signUp()
    const res = await call('/api/me', { method: 'PATCH', cookie, body: { firstName: '🎉'.repeat(100) } })
    expect(res.status).toBe(200)
  })
})

describe('password change', () => {
  it('changes the password, keeps this session and revokes the others', async () => {
    const { email, cookie } = await signUp()
    const other = await login(email)
    const newPassword = 'a brand new passphrase'
    const res = await call('/api/me/password', { cookie, body: { currentPassword: PASSWORD, newPassword } })
    expect(res.status).toBe(204)
    expect((await call('/api/me', { cookie })).status).toBe(200)
    expect((await call('/api/me', { cookie: other })).status).toBe(401)
    expect((await call('/api/auth/login', { body: { email, password: PASSWORD } })).status).toBe(401)
    expect((await call('/api/auth/login', { body: { email, password: newPassword } })).status).toBe(200)
  })

  it('answers 400 with errors.currentPassword for a wrong current password', async () => {
    const { cookie } = await signUp()
    const res = await call('/api/me/password', {
      cookie,
      body: { currentPassword: 'not my password', newPassword: 'another good passphrase' },
    })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors?.currentPassword).toBeTruthy()
  })

  it('refuses a weak new password with errors.newPassword', async () => {
    const { cookie } = await signUp()
    const res = await call('/api/me/password', { cookie, body: { currentPassword: PASSWORD, newPassword: 'short' } })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors?.newPassword).toBeTruthy()
  })

  it('refuses the current password as the new one and signs nobody out', async () => {
    const { email, cookie } = await signUp()
    const other = await login(email)
    const res = await call('/api/me/password', { cookie, body: { currentPassword: PASSWORD, newPassword: PASSWORD } })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors?.newPassword).toMatch(/same as your current/)
    expect((await call('/api/me', { cookie: other })).status).toBe(200)
  })

  it('answers 401 without a session', async () => {
    const res = await call('/api/me/password', { body: { currentPassword: 'x', newPassword: 'y' } })
    expect(res.status).toBe(401)
  })
})

describe('sessions', () => {
  it('lists live sessions and marks the current one', async () => {
    const { email, cookie } = await signUp()
    await login(email, PASSWORD, 'Second Browser/1.0')
    const res = await call('/api/me/sessions', { cookie })
    expect(res.status).toBe(200)
    const { sessions } = (await res.json()) as { sessions: { id: string; current: boolean; userAgent: string }[] }
    expect(sessions).toHaveLength(2)
    expect(sessions.filter((s) => s.current)).toHaveLength(1)
    expect(sessions.map((s) => s.userAgent)).toContain('Second Browser/1.0')
    for (const s of sessions)
      expect(Object.keys(s).sort()).toEqual(['createdAt', 'current', 'id', 'lastSeenAt', 'userAgent'])
  })

  it('revokes one session so its cookie stops working at once', async () => {
    const { email, cookie } = await signUp()
    const other = await login(email)
    const { sessions } = (await (await call('/api/me/sessions', { cookie })).json()) as {
      sessions: { id: string; current: boolean }[]
    }
    const target = sessions.find((s) => !s.current)!
    expect((await call(`/api/me/sessions/${target.id}`, { method: 'DELETE', cookie })).status).toBe(204)
    expect((await call('/api/me', { cookie: other })).status).toBe(401)
    expect((await call('/api/me', { cookie })).status).toBe(200)
  })

  it("answers 404 for a session that is not one of the user's", async () => {
    const a = await signUp()
    const b = await signUp()
    const { sessions } = (await (await call('/api/me/sessions', { cookie: b.cookie })).json()) as {
      sessions: { id: string }[]
    }
    const res = await call(`/api/me/sessions/${sessions[0]!.id}`, { method: 'DELETE', cookie: a.cookie })
    expect(res.status).toBe(404)
    expect((await call('/api/me', { cookie: b.cookie })).status).toBe(200)
  })

  it('revokes every other session', async () => {
    const { email, cookie } = await signUp()
    const others = [await login(email), await login(email)]
    expect((await call('/api/me/sessions/revoke-others', { method: 'POST', cookie })).status).toBe(204)
    for (const other of others) expect((await call('/api/me', { cookie: other })).status).toBe(401)
    expect((await call('/api/me', { cookie })).status).toBe(200)
  })

  it('refuses a deactivated user on the next request', async () => {
    const { id, cookie } = await signUp()
    await env.DB.prepare('update users set is_active = 0 where id = ?').bind(id).run()
    expect((await call('/api/me', { cookie })).status).toBe(401)
  })
})
