import { env, runInDurableObject } from 'cloudflare:test'
import { inArray } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { keyringOf, sealName } from '../../worker/crypto/keys.ts'
import { SESSION_COOKIE, signSession } from '../../worker/crypto/session-token.ts'
import { openDb } from '../../worker/db/client.ts'
import { guardD1, guardSql, MAX_BOUND_PARAMETERS } from '../../worker/db/param-limit.ts'
import { users } from '../../worker/db/schema.ts'
import { inboxOf } from '../../worker/inbox/inbox-key.ts'
import { roomFor } from '../../worker/rooms/room-key.ts'
import { call, signUp } from './helpers/http.ts'
import { type Frame, openChat } from './helpers/socket.ts'
import { eventually } from './helpers/wait.ts'

const TOO_MANY = /too many SQL variables \(101 bound parameters; the limit is 100\)/

/** A statement with `n` parameters that counts 1 row: 1 is not among 2, 3, … n + 1. */
function statementWith(n: number): { query: string; values: number[] } {
  const values = Array.from({ length: n }, (_, i) => i + 2)
  return { query: `select count(*) as n from (select 1) where 1 not in (${values.map(() => '?').join(',')})`, values }
}

/** Accounts made straight in D1 (no argon2, no rate limit), each with a live session cookie. */
async function makeUsers(count: number, name: (i: number) => string): Promise<{ id: string; cookie: string }[]> {
  const keys = await keyringOf(env)
  const now = new Date().toISOString()
  const made = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const id = crypto.randomUUID()
      const sessionId = crypto.randomUUID()
      const token = await signSession(env.JWT_SECRET, { userId: id, sessionId, staff: false, superuser: false })
      return { id, sessionId, firstName: await sealName(keys, name(i)), cookie: `${SESSION_COOKIE}=${token}` }
    }),
  )
  await env.DB.batch(
    made.flatMap((u) => [
      env.DB.prepare(
        'insert into users (id, email, password_hash, first_name, date_joined) values (?, ?, ?, ?, ?)',
      ).bind(u.id, `${u.id}@example.com`, 'unused', u.firstName, now),
      env.DB.prepare('insert into sessions (id, user_id, created_at, last_seen_at) values (?, ?, ?, ?)').bind(
        u.sessionId,
        u.id,
        now,
        now,
      ),
    ]),
  )
  return made.map(({ id, cookie }) => ({ id, cookie }))
}

describe('the bound-parameter guard', () => {
  it('refuses a D1 statement with 101 parameters and runs one with 100, alone and in a batch', async () => {
    const over = statementWith(MAX_BOUND_PARAMETERS + 1)
    const at = statementWith(MAX_BOUND_PARAMETERS)
    // This workerd refuses 101 too (its SQLite's variable limit is 100), but only when the
    // statement runs, and without the count; the guard refuses whatever the runtime.
    await expect(
      env.DB.prepare(over.query)
        .bind(...over.values)
        .first('n'),
    ).rejects.toThrow(/too many SQL variables/)
    const db = guardD1(env.DB)
    expect(() => db.prepare(over.query).bind(...over.values)).toThrow(TOO_MANY)
    expect(
      await db
        .prepare(at.query)
        .bind(...at.values)
        .first('n'),
    ).toBe(1)
    // A guarded statement is still a real one: batch accepts it.
    const [result] = await db.batch<{ n: number }>([db.prepare(at.query).bind(...at.values)])
    expect(result?.results).toEqual([{ n: 1 }])
  })

  it('refuses a Drizzle query over the limit, the way the Worker and the objects open D1', async () => {
    const db = openDb(env.DB)
    const ids = (n: number) => Array.from({ length: n }, () => crypto.randomUUID())
    // Drizzle wraps the driver's error ("Failed query: …") and keeps it as the cause.
    const failure = await db
      .select()
      .from(users)
      .where(inArray(users.id, ids(101)))
      .all()
      .then(
        () => 'ran',
        (err: Error) => String(err.cause),
      )
    expect(failure).toMatch(TOO_MANY)
    expect(
      await db
        .select()
        .from(users)
        .where(inArray(users.id, ids(100)))
        .all(),
    ).toEqual([])
  })

  it('refuses Durable Object SQL with 101 bindings and runs it with 100, in both objects', async () => {
    const over = statementWith(MAX_BOUND_PARAMETERS + 1)
    const at = statementWith(MAX_BOUND_PARAMETERS)
    const me = await signUp()
    const peer = await signUp()
    for (const stub of [inboxOf(env, me.id), roomFor(env, me.id, peer.id).stub]) {
      const outcome = await runInDurableObject(stub, (instance: object, state: DurableObjectState) => {
        // The object's own handle, which all its statements go through, must be the guarded one.
        const own = (instance as unknown as { sql: SqlStorage }).sql
        const refusals = [guardSql(state.storage.sql), own].map((sql) => {
          try {
            sql.exec(over.query, ...over.values)
            return 'ran'
          } catch (err) {
            return String(err)
          }
        })
        return { refusals, allowed: own.exec<{ n: number }>(at.query, ...at.values).one().n }
      })
      for (const refusal of outcome.refusals) expect(refusal).toMatch(TOO_MANY)
      expect(outcome.allowed).toBe(1)
    }
  })
})

describe('statements that grow with the data stay under the limit', () => {
  it('lists all 110 conversations of a user whom 110 accounts messaged', async () => {
    const me = await signUp()
    const senders = await makeUsers(110, (i) => `Sender ${i}`)
    for (let i = 0; i < senders.length; i += 10) {
      await Promise.all(
        senders.slice(i, i + 10).map(async (s) => {
          const ws = await openChat(s.cookie, me.id)
          const clientId = crypto.randomUUID()
          ws.send({ type: 'send', clientId, body: `hello from ${s.id}` })
          await ws.next((f) => f.type === 'message' && f.message.clientId === clientId)
          ws.close()
        }),
      )
    }
    // Wait on the inbox itself, not on GET /api/conversations: a list read while fewer than
    // 100 had arrived would cache those peers and hide the bug.
    const delivered = await eventually(
      () =>
        runInDurableObject(
          inboxOf(env, me.id),
          (_: unknown, state: DurableObjectState) =>
            state.storage.sql
              .exec<{ n: number }>('select count(*) as n from conversations where last_message is not null')
              .one().n,
        ),
      (n) => n === 110,
      20_000,
    )
    expect(delivered).toBe(110)
    const res = await call('/api/conversations', { cookie: me.cookie })
    expect(res.status).toBe(200)
    const { conversations } = (await res.json()) as { conversations: Frame[] }
    expect(conversations).toHaveLength(110)
    const byPeer = new Map(conversations.map((c) => [c.peer.id as string, c]))
    senders.forEach((s, i) => {
      expect(byPeer.get(s.id)).toMatchObject({
        peer: { id: s.id, firstName: `Sender ${i}` },
        lastMessage: { body: `hello from ${s.id}` },
        unread: 1,
      })
    })
  }, 60_000)

  // Two names of 100 characters with a one-character word in every other place: 100
  // distinct words, so 100 index rows and 200 parameters if inserted as one statement.
  const word = (i: number) => String.fromCodePoint(0x4e00 + i)
  const wordy = (from: number) => Array.from({ length: 50 }, (_, i) => word(from + i)).join(' ')
  const search = async (cookie: string, q: string) => {
    const res = await call(`/api/users?q=${encodeURIComponent(q)}`, { cookie })
    expect(res.status).toBe(200)
    return ((await res.json()) as { users: { id: string }[] }).users.map((u) => u.id)
  }

  it('saves names of 100 distinct words on register and on PATCH /api/me, and indexes every word', async () => {
    const base = Math.floor(Math.random() * 100) * 200
    const user = await signUp({ firstName: wordy(base), lastName: wordy(base + 50) })
    const searcher = await signUp()
    expect(user.user).toMatchObject({ firstName: wordy(base), lastName: wordy(base + 50) })
    const indexed = () =>
      env.DB.prepare('select count(*) as n from name_index where user_id = ?').bind(user.id).first<number>('n')
    expect(await indexed()).toBe(100)
    // Words from the first and the last insert of the batch, and one from each name together.
    for (const q of [word(base), word(base + 99), `${word(base + 49)} ${word(base + 50)}`]) {
      expect(await search(searcher.cookie, q)).toEqual([user.id])
    }

    const res = await call('/api/me', {
      method: 'PATCH',
      cookie: user.cookie,
      body: { firstName: wordy(base + 100), lastName: wordy(base + 150) },
    })
    expect(res.status).toBe(200)
    const me = (await (await call('/api/me', { cookie: user.cookie })).json()) as { user: Frame }
    expect(me.user).toMatchObject({ firstName: wordy(base + 100), lastName: wordy(base + 150) })
    expect(await search(searcher.cookie, word(base + 100))).toEqual([user.id])
    expect(await search(searcher.cookie, word(base + 199))).toEqual([user.id])
    expect(await search(searcher.cookie, word(base))).toEqual([])
    expect(await indexed()).toBe(100)
  })
})
