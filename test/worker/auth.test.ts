import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { ARGON2_PARAMS, hashPassword } from '../../worker/crypto/password.ts'
import { call, freshAddress, PASSWORD, problemOf, sessionCookie, signUp, uniqueEmail } from './helpers/http.ts'

describe('register', () => {
  it('creates an account, answers 201 with the user and signs them in', async () => {
    const email = uniqueEmail()
    const res = await call('/api/auth/register', {
      body: { email: `  ${email.toUpperCase()} `, password: PASSWORD, firstName: 'Ada', lastName: 'Lovelace' },
    })
    expect(res.status).toBe(201)
    const { user } = (await res.json()) as { user: Record<string, unknown> }
    expect(user).toMatchObject({ email, firstName: 'Ada', lastName: 'Lovelace', isStaff: false, isSuperuser: false })
    expect(typeof user.id).toBe('string')
    expect(new Date(user.dateJoined as string).toISOString()).toBe(user.dateJoined)
    const cookie = res.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/HttpOnly/i)
    expect(cookie).toMatch(/SameSite=Lax/i)
    expect(cookie).toMatch(/Secure/i) // served over https here
    const me = await call('/api/me', { cookie: sessionCookie(res) })
    expect(me.status).toBe(200)
    expect(((await me.json()) as { user: unknown }).user).toEqual(user)
  })

  it('leaves omitted names empty', async () => {
    const res = await call('/api/auth/register', { body: { email: uniqueEmail(), password: PASSWORD } })
    expect(res.status).toBe(201)
    const { user } = (await res.json()) as { user: Record<string, unknown> }
    expect(user).toMatchObject({ firstName: '', lastName: '' })
  })

  it('refuses an email that is already registered, whatever its case', async () => {
    const { email } = await signUp()
    const res = await call('/api/auth/register', { body: { email: email.toUpperCase(), password: PASSWORD } })
    expect(res.status).toBe(409)
    expect((await problemOf(res)).errors?.email).toBeTruthy()
  })

  it.each([
    ['no at sign', 'someone.example.com'],
    ['two at signs', 'a@b@example.com'],
    ['an empty local part', '@example.com'],
    ['a domain without a dot', 'someone@localhost'],
    ['a space inside', 'some one@example.com'],
    ['more than 254 characters', `${'a'.repeat(250)}@example.com`],
  ])('refuses an email with %s', async (_, email) => {
    const res = await call('/api/auth/register', { body: { email, password: PASSWORD } })
    expect(res.status).toBe(400)
    const problem = await problemOf(res)
    expect(problem.errors?.email).toBeTruthy()
    expect(problem).toMatchObject({ status: 400, title: 'Bad Request' })
  })

  it.each([
    ['shorter than 10 characters', 'short-pw1'],
    ['longer than 256 characters', 'x'.repeat(257)],
    ['among the most common passwords', 'password123'],
    ['a common password in other case', 'QWERTYUIOP'],
  ])('refuses a password %s', async (_, password) => {
    const res = await call('/api/auth/register', { body: { email: uniqueEmail(), password } })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors?.password).toBeTruthy()
  })

  it("refuses a password equal to the email's local part", async () => {
    const res = await call('/api/auth/register', {
      body: { email: 'averylongname@example.com', password: 'AveryLongName' },
    })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors?.password).toBeTruthy()
  })

  it('counts password length in code points, not UTF-16 units', async () => {
    // Five emoji are ten UTF-16 units but only five characters.
    const res = await call('/api/auth/register', { body: { email: uniqueEmail(), password: '😀😀😀😀😀' } })
    expect(res.status).toBe(400)
  })

  it('refuses names over 100 characters and keeps nothing', async () => {
    const email = uniqueEmail()
    const res = await call('/api/auth/register', { body: { email, password: PASSWORD, firstName: 'x'.repeat(101) } })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors?.firstName).toBeTruthy()
    const row = await env.DB.prepare('select id from users where email = ?').bind(email).first()
    expect(row).toBeNull()
  })

  it('ignores fields a person cannot set, like isStaff', async () => {
    const res = await call('/api/auth/register', { body: { email: uniqueEmail(), password: PASSWORD, isStaff: true } })
    expect(res.status).toBe(201)
    expect(((await res.json()) as { user: { isStaff: boolean } }).user.isStaff).toBe(false)
  })

  it.each([
    ['not JSON', '{"email":'],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
    ['empty', ''],
  ])('answers 400 to a body that is %s', async (_, body) => {
    const res = await call('/api/auth/register', { body, headers: { 'content-type': 'application/json' } })
    expect(res.status).toBe(400)
    await problemOf(res)
  })

  it('answers 413 to a body over 64 KiB', async () => {
    const res = await call('/api/auth/register', {
      body: { email: uniqueEmail(), password: PASSWORD, firstName: 'x'.repeat(70 * 1024) },
    })
    expect(res.status).toBe(413)
    await problemOf(res)
  })

  it('stores names only as Fernet tokens', async () => {
    const { id } = await signUp({ firstName: 'Grace', lastName: 'Hopper' })
    const row = await env.DB.prepare('select first_name, last_name from users where id = ?').bind(id).first<{
      first_name: string
      last_name: string
    }>()
    expect(row?.first_name).toMatch(/^gAAAAA/)
    expect(row?.last_name).toMatch(/^gAAAAA/)
    const all = JSON.stringify(await env.DB.prepare('select * from users where id = ?').bind(id).all())
    expect(all).not.toContain('Grace')
    expect(all).not.toContain('Hopper')
  })
})

describe('login', () => {
  it('signs in with the right password and returns the user', async () => {
    const { email, id } = await signUp()
    const res = await call('/api/auth/login', { body: { email: email.toUpperCase(), password: PASSWORD } })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { user: { id: string } }).user.id).toBe(id)
    const me = await call('/api/me', { cookie: sessionCookie(res) })
    expect(me.status).toBe(200)
  })

  it('answers an unknown email exactly like a wrong password', async () => {
    const { email } = await signUp()
    const ip = { 'cf-connecting-ip': freshAddress() }
    const wrong = await call('/api/auth/login', { body: { email, password: 'not the password!' }, headers: ip })
    const unknown = await call('/api/auth/login', {
      body: { email: uniqueEmail('nobody'), password: 'not the password!' },
      headers: ip,
    })
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect(await problemOf(wrong)).toEqual(await problemOf(unknown))
  })

  it('throttles one email after 10 consecutive failures, with Retry-After', async () => {
    const { email } = await signUp()
    for (let i = 0; i < 10; i++) {
      const res = await call('/api/auth/login', {
        body: { email, password: `wrong password ${i}` },
        headers: { 'cf-connecting-ip': freshAddress() },
      })
      expect(res.status).toBe(401)
    }
    const res = await call('/api/auth/login', {
      body: { email, password: PASSWORD },
      headers: { 'cf-connecting-ip': freshAddress() },
    })
    expect(res.status).toBe(429)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    await problemOf(res)
  })

  it('throttles an unknown email the same way as a known one', async () => {
    const email = uniqueEmail('ghost')
    for (let i = 0; i < 10; i++) {
      const res = await call('/api/auth/login', {
        body: { email, password: `wrong password ${i}` },
        headers: { 'cf-connecting-ip': freshAddress() },
      })
      expect(res.status).toBe(401)
    }
    const res = await call('/api/auth/login', {
      body: { email, password: 'whatever password' },
      headers: { 'cf-connecting-ip': freshAddress() },
    })
    expect(res.status).toBe(429)
  })

  it('lets one address fail 30 logins across accounts, then answers 429', async () => {
    const ip = { 'cf-connecting-ip': freshAddress() }
    for (let i = 0; i < 30; i++) {
      const res = await call('/api/auth/login', {
        body: { email: uniqueEmail('spray'), password: 'wrong password!' },
        headers: ip,
      })
      expect(res.status).toBe(401)
    }
    const res = await call('/api/auth/login', { body: { email: uniqueEmail('spray'), password: 'x' }, headers: ip })
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBeTruthy()
  })

  it('a success ends the run of failures for that email', async () => {
    const { email } = await signUp()
    for (let i = 0; i < 9; i++) {
      await call('/api/auth/login', {
        body: { email, password: 'wrong pass!' },
        headers: { 'cf-connecting-ip': freshAddress() },
      })
    }
    const ok = await call('/api/auth/login', {
      body: { email, password: PASSWORD },
      headers: { 'cf-connecting-ip': freshAddress() },
    })
    expect(ok.status).toBe(200)
    const again = await call('/api/auth/login', {
      body: { email, password: 'wrong pass!' },
      headers: { 'cf-connecting-ip': freshAddress() },
    })
    expect(again.status).toBe(401)
  })

  it('rehashes a password stored with weaker parameters on the next login', async () => {
    const { email, id } = await signUp()
    const weak = hashPassword(PASSWORD, { m: 1024, t: 1, p: 1 })
    await env.DB.prepare('update users set password_hash = ? where id = ?').bind(weak, id).run()
    const res = await call('/api/auth/login', { body: { email, password: PASSWORD } })
    expect(res.status).toBe(200)
    const row = await env.DB.prepare('select password_hash from users where id = ?')
      .bind(id)
      .first<{ password_hash: string }>()
    expect(row?.password_hash).toContain(`m=${ARGON2_PARAMS.m},t=${ARGON2_PARAMS.t},p=${ARGON2_PARAMS.p}`)
    expect(row?.password_hash).not.toBe(weak)
  })

  it('tells a deactivated account so only after its right password, and signs it in nowhere', async () => {
    const { email, id } = await signUp()
    await env.DB.prepare('update users set is_active = 0 where id = ?').bind(id).run()
    const wrong = await call('/api/auth/login', { body: { email, password: `${PASSWORD}-nope` } })
    expect(wrong.status).toBe(401)
    expect((await problemOf(wrong)).type).toBe('/problems/bad-credentials')
    const right = await call('/api/auth/login', { body: { email, password: PASSWORD } })
    expect(right.status).toBe(403)
    expect((await problemOf(right)).type).toBe('/problems/account-deactivated')
    expect(right.headers.get('set-cookie')).toBeNull()
  })

  it('answers 400 when the email or password is missing', async () => {
    const res = await call('/api/auth/login', { body: { email: uniqueEmail() } })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors?.password).toBeTruthy()
  })
})

describe('logout', () => {
  it('revokes the session server-side so the same cookie stops working', async () => {
    const { cookie } = await signUp()
    const res = await call('/api/auth/logout', { method: 'POST', cookie })
    expect(res.status).toBe(204)
    expect(res.headers.get('set-cookie')).toMatch(/parley_session=;/)
    expect((await call('/api/me', { cookie })).status).toBe(401)
  })

  it('answers 401 without a session', async () => {
    expect((await call('/api/auth/logout', { method: 'POST' })).status).toBe(401)
  })
})

describe('origin', () => {
  it('refuses a state-changing request from another origin with 403', async () => {
    const res = await call('/api/auth/register', {
      body: { email: uniqueEmail(), password: PASSWORD },
      headers: { origin: 'https://evil.example' },
    })
    expect(res.status).toBe(403)
    await problemOf(res)
  })

  it('accepts the same origin and requests without an Origin header', async () => {
    const res = await call('/api/auth/register', {
      body: { email: uniqueEmail(), password: PASSWORD },
      headers: { origin: 'https://parley.test' },
    })
    expect(res.status).toBe(201)
  })

  it('checks the origin before the session', async () => {
    const res = await call('/api/me', {
      method: 'PATCH',
      body: { firstName: 'x' },
      headers: { origin: 'https://evil.example' },
    })
    expect(res.status).toBe(403)
  })
})
