import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { wordToken } from '../../worker/crypto/name-index.ts'
import { call, PASSWORD, problemOf, signUp, uniqueEmail } from './helpers/http.ts'

const wholeWordToken = (word: string) => wordToken(env.NAME_INDEX_KEY, word)

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

  it('matches the start of a word from 3 characters on, as one types, but never its middle or end', async () => {
    const me = await signUp()
    const word = tag()
    const them = await signUp({ firstName: 'Ada', lastName: `Love-${word}` })
    for (const q of [word.slice(0, 3), word.slice(0, 6), word.toUpperCase(), `ada ${word.slice(0, 4)}`, 'ADA'])
      expect(
        (await search(me.cookie, q)).map((u) => u.id),
        q,
      ).toContain(them.id)
    for (const q of [word.slice(0, 2), word.slice(1, 7), word.slice(-5), `${word}x`, `${word.slice(0, 4)} zzz`])
      expect(
        (await search(me.cookie, q)).map((u) => u.id),
        q,
      ).not.toContain(them.id)
  })

  it('answers a 1- or 2-character word with whole words only', async () => {
    const me = await signUp()
    const word = tag()
    const short = await signUp({ firstName: 'Jo', lastName: word })
    const long = await signUp({ firstName: 'Joanna', lastName: word })
    expect((await search(me.cookie, `jo ${word}`)).map((u) => u.id)).toEqual([short.id])
    expect((await search(me.cookie, `joa ${word}`)).map((u) => u.id)).toEqual([long.id])
  })

  it('finds someone indexed before name starts were by whole words, and by starts after they sign in', async () => {
    const me = await signUp()
    const word = tag()
    const them = await signUp({ firstName: word })
    // As an index of the first version left it: whole words only.
    const token = await wholeWordToken(word)
    await env.DB.batch([
      env.DB.prepare('delete from name_index where user_id = ?').bind(them.id),
      env.DB.prepare('insert into name_index (token, user_id) values (?, ?)').bind(token, them.id),
      env.DB.prepare('update users set name_index_version = 1 where id = ?').bind(them.id),
    ])
    expect((await search(me.cookie, word)).map((u) => u.id)).toEqual([them.id])
    expect(await search(me.cookie, word.slice(0, 5))).toEqual([])
    const login = await call('/api/auth/login', { body: { email: them.email, password: PASSWORD } })
    expect(login.status).toBe(200)
    expect((await search(me.cookie, word.slice(0, 5))).map((u) => u.id)).toEqual([them.id])
    const row = await env.DB.prepare('select name_index_version as v from users where id = ?').bind(them.id).first()
    expect(row?.v).toBe(2)
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
    expect(JSON.stringify(rows.results)).not.toContain(word.slice(0, 3))
    // The whole word, and its starts of 3 to 11 characters (tag() is 11 long).
    expect(rows.results).toHaveLength(1 + (word.length - 2))
  })
})
