import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { call, problemOf, signUp, uniqueEmail } from './helpers/http.ts'

async function search(cookie: string, q: string) {
  const res = await call(`/api/users?q=${encodeURIComponent(q)}`, { cookie })
  expect(res.status).toBe(200)
  return ((await res.json()) as { users: { id: string; email: string; firstName: string }[] }).users
}

// Words unique to this run, so other tests' users never match.
const tag = () => `w${crypto.randomUUID().replaceAll('-', '').slice(0, 10)}`

describe('user search', () => {
  it('finds a user by exact email, case-insensitively, as a Peer', async () => {
    const me = await signUp()
    const them = await signUp({ firstName: 'Alan', lastName: 'Turing' })
    const users = await search(me.cookie, them.email.toUpperCase())
    expect(users).toEqual([{ id: them.id, email: them.email, firstName: 'Alan', lastName: 'Turing' }])
  })

  it('finds users by a whole first or last name word, any case', async () => {
    const me = await signUp()
    const word = tag()
    const them = await signUp({ firstName: `Mary-${word}`, lastName: 'Shelley' })
    expect((await search(me.cookie, word.toUpperCase())).map((u) => u.id)).toEqual([them.id])
  })

  it('needs every word of the query to match a whole name word', async () => {
    const me = await signUp()
    const [a, b] = [tag(), tag()]
    const both = await signUp({ firstName: a, lastName: b })
    await signUp({ firstName: a, lastName: 'Other' })
    expect((await search(me.cookie, `${b} ${a}`)).map((u) => u.id)).toEqual([both.id])
  })

  it('does not match part of a word', async () => {
    const me = await signUp()
    const word = tag()
    await signUp({ firstName: word })
    expect(await search(me.cookie, word.slice(0, 6))).toEqual([])
  })

  it('leaves out the searcher and deactivated users', async () => {
    const word = tag()
    const me = await signUp({ firstName: word })
    const gone = await signUp({ firstName: word })
    await env.DB.prepare('update users set is_active = 0 where id = ?').bind(gone.id).run()
    expect(await search(me.cookie, word)).toEqual([])
  })

  it('returns at most 20 users', async () => {
    const word = tag()
    const me = await signUp()
    await Promise.all(Array.from({ length: 21 }, () => signUp({ lastName: word })))
    expect(await search(me.cookie, word)).toHaveLength(20)
  })

  it('finds a user by their new name after a rename, not the old one', async () => {
    const me = await signUp()
    const [before, after] = [tag(), tag()]
    const them = await signUp({ firstName: before })
    await call('/api/me', { method: 'PATCH', cookie: them.cookie, body: { firstName: after } })
    expect(await search(me.cookie, before)).toEqual([])
    expect((await search(me.cookie, after)).map((u) => u.id)).toEqual([them.id])
  })

  it('answers 400 to an empty query', async () => {
    const me = await signUp()
    const res = await call('/api/users?q=%20', { cookie: me.cookie })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors?.q).toBeTruthy()
  })

  it('answers 401 without a session', async () => {
    expect((await call(`/api/users?q=${uniqueEmail()}`)).status).toBe(401)
  })

  it('keeps no plaintext name words in the index', async () => {
    const word = tag()
    const them = await signUp({ firstName: word })
    const rows = await env.DB.prepare('select token from name_index where user_id = ?').bind(them.id).all()
    expect(JSON.stringify(rows.results)).not.toContain(word)
    expect(rows.results).toHaveLength(1)
  })
})
