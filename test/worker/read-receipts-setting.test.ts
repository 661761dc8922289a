import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { openDb } from '../../worker/db/client.ts'
import { MAX_BOUND_PARAMETERS } from '../../worker/db/param-limit.ts'
import { readReceiptsOf } from '../../worker/db/users.ts'
import { call, problemOf, signIn, signUp } from './helpers/http.ts'

type UserBody = { user: { readReceipts: unknown; firstName: string } }

async function meOf(cookie: string) {
  const res = await call('/api/me', { cookie })
  expect(res.status).toBe(200)
  return ((await res.json()) as UserBody).user
}

const setReceipts = (cookie: string, body: unknown) => call('/api/me', { method: 'PATCH', cookie, body })

/** Users written straight into D1 (no password hashing), `on` deciding each one's switch. */
async function insertUsers(count: number, on: (i: number) => boolean): Promise<{ id: string; on: boolean }[]> {
  const rows = Array.from({ length: count }, (_, i) => ({ id: crypto.randomUUID(), on: on(i) }))
  const now = new Date().toISOString()
  await env.DB.batch(
    rows.map((r) =>
      env.DB.prepare(
        'insert into users (id, email, password_hash, date_joined, read_receipts) values (?, ?, ?, ?, ?)',
      ).bind(r.id, `bulk-${r.id}@example.com`, 'x', now, r.on ? 1 : 0),
    ),
  )
  return rows
}

describe('read receipts setting', () => {
  it('is on for a new account, in the register response and in /api/me', async () => {
    const { cookie, user } = await signUp()
    expect(user.readReceipts).toBe(true)
    expect((await meOf(cookie)).readReceipts).toBe(true)
  })

  it('turns off and on again, and each change persists', async () => {
    const { cookie } = await signUp()
    const off = await setReceipts(cookie, { readReceipts: false })
    expect(off.status).toBe(200)
    expect(((await off.json()) as UserBody).user.readReceipts).toBe(false)
    expect((await meOf(cookie)).readReceipts).toBe(false)

    const on = await setReceipts(cookie, { readReceipts: true })
    expect(on.status).toBe(200)
    expect(((await on.json()) as UserBody).user.readReceipts).toBe(true)
    expect((await meOf(cookie)).readReceipts).toBe(true)
  })

  it('is returned by login once changed', async () => {
    const { cookie, email } = await signUp()
    await setReceipts(cookie, { readReceipts: false })
    const other = await signIn(email)
    expect((await meOf(other)).readReceipts).toBe(false)
  })

  it('keeps the names when only the switch is sent, and the switch when only a name is', async () => {
    const { cookie } = await signUp({ firstName: 'Ada', lastName: 'Lovelace' })
    const res = await setReceipts(cookie, { readReceipts: false })
    expect(((await res.json()) as UserBody).user).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace' })
    await setReceipts(cookie, { firstName: 'Grace' })
    expect(await meOf(cookie)).toMatchObject({ firstName: 'Grace', readReceipts: false })
  })

  it.each([
    ['a string', 'false'],
    ['a number', 0],
    ['null', null],
  ])('refuses %s with errors.readReceipts and changes nothing', async (_, value) => {
    const { cookie } = await signUp({ firstName: 'Same' })
    const res = await setReceipts(cookie, { firstName: 'Other', readReceipts: value })
    expect(res.status).toBe(400)
    const problem = await problemOf(res)
    expect(Object.keys(problem.errors ?? {})).toEqual(['readReceipts'])
    expect(problem.errors?.readReceipts).toMatch(/true|false/)
    expect(await meOf(cookie)).toMatchObject({ firstName: 'Same', readReceipts: true })
  })

  it('still refuses unknown fields next to it, naming them', async () => {
    const { cookie } = await signUp()
    const res = await setReceipts(cookie, { readReceipts: false, readReceiptz: true })
    expect(res.status).toBe(400)
    expect(Object.keys((await problemOf(res)).errors ?? {})).toEqual(['readReceiptz'])
    expect((await meOf(cookie)).readReceipts).toBe(true)
  })

  it('is shown to staff in the admin user list and details', async () => {
    const admin = await signUp()
    await env.DB.prepare('update users set is_staff = 1 where id = ?').bind(admin.id).run()
    const target = await signUp()
    await setReceipts(target.cookie, { readReceipts: false })
    const details = await call(`/api/admin/users/${target.id}`, { cookie: admin.cookie })
    expect(((await details.json()) as UserBody).user.readReceipts).toBe(false)
    const list = await call(`/api/admin/users?q=${encodeURIComponent(target.email)}`, { cookie: admin.cookie })
    const { users } = (await list.json()) as { users: { id: string; readReceipts: unknown }[] }
    expect(users.find((u) => u.id === target.id)?.readReceipts).toBe(false)
  })
})

describe('readReceiptsOf', () => {
  it('maps each existing user to their switch and leaves out unknown ids', async () => {
    const [on, off] = await Promise.all([signUp(), signUp()])
    await setReceipts(off.cookie, { readReceipts: false })
    const missing = crypto.randomUUID()
    const map = await readReceiptsOf(openDb(env.DB), [on.id, off.id, missing, on.id])
    expect(map).toEqual(
      new Map([
        [on.id, true],
        [off.id, false],
      ]),
    )
  })

  it('answers for 150 ids, more than one statement may bind', async () => {
    const rows = await insertUsers(120, (i) => i % 3 !== 0)
    const missing = Array.from({ length: 30 }, () => crypto.randomUUID())
    const ids = [...rows.map((r) => r.id), ...missing]
    expect(ids.length).toBeGreaterThan(MAX_BOUND_PARAMETERS)
    // openDb refuses any statement bound to more than MAX_BOUND_PARAMETERS values.
    const map = await readReceiptsOf(openDb(env.DB), ids)
    expect(map).toEqual(new Map(rows.map((r) => [r.id, r.on])))
  })

  it('answers an empty map for no ids', async () => {
    expect(await readReceiptsOf(openDb(env.DB), [])).toEqual(new Map())
  })
})
