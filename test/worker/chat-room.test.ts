import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { PING_FRAME } from '../../protocol/frames.ts'
import { encryptText } from '../../worker/crypto/fernet.ts'
import { keyringOf } from '../../worker/crypto/keys.ts'
import { roomFor } from '../../worker/rooms/room-key.ts'
import { call, ORIGIN, problemOf, signUp } from './helpers/http.ts'
import { type Frame, openChat, upgrade } from './helpers/socket.ts'
import { eventually } from './helpers/wait.ts'

async function pair() {
  const [a, b] = await Promise.all([signUp({ firstName: 'Alice' }), signUp({ firstName: 'Bob' })])
  return { a, b }
}

let n = 0
const cid = () => `c-${++n}-${crypto.randomUUID().slice(0, 8)}`
const isMessage = (seq: number) => (f: Frame) => f.type === 'message' && f.message.seq === seq

describe('chat socket', () => {
  it('opens with a ready frame naming the peer, lastSeq and both read positions', async () => {
    const { a, b } = await pair()
    const ws = await openChat(a.cookie, b.id)
    expect(ws.ready).toEqual({
      type: 'ready',
      peer: { id: b.id, email: b.email, firstName: 'Bob', lastName: '' },
      lastSeq: 0,
      lastRev: 0,
      readUpTo: { [a.id]: 0, [b.id]: 0 },
      deliveredUpTo: { [a.id]: 0, [b.id]: 0 },
      readReceipts: true,
      editWindowSeconds: 86400,
      maxAttachmentBytes: 10 * 1024 * 1024,
      blocked: 'none',
    })
    ws.close()
  })

  it('delivers a message to both members, the sender included, with seq 1, 2, 3', async () => {
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    const wb = await openChat(b.cookie, a.id)
    for (let i = 1; i <= 3; i++) {
      const clientId = cid()
      wa.send({ type: 'send', clientId, body: `  hello ${i}  ` })
      const echo = await wa.next(isMessage(i))
      const got = await wb.next(isMessage(i))
      expect(echo).toEqual(got)
      expect(got.message).toMatchObject({ seq: i, clientId, senderId: a.id, body: `hello ${i}` })
      expect(new Date(got.message.sentAt).toISOString()).toBe(got.message.sentAt)
      expect(got.message.readAt).toBeUndefined()
    }
    wa.close()
    wb.close()
  })

  it('stores nothing new for a repeated clientId and echoes the original only to the retrying socket', async () => {
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    const wb = await openChat(b.cookie, a.id)
    const clientId = cid()
    wa.send({ type: 'send', clientId, body: 'original' })
    await wa.next(isMessage(1))
    await wb.next(isMessage(1))
    const retry = await openChat(a.cookie, b.id)
    retry.send({ type: 'send', clientId, body: 'a different body' })
    const again = await retry.next(isMessage(1))
    expect(again.message.body).toBe('original')
    expect(await wb.silentFor((f) => f.type === 'message', 300)).toBe(true)
    expect(await wa.silentFor((f) => f.type === 'message', 50)).toBe(true)
    const history = await call(`/api/conversations/${b.id}/messages`, { cookie: a.cookie })
    expect(((await history.json()) as { messages: unknown[] }).messages).toHaveLength(1)
    for (const s of [wa, wb, retry]) s.close()
  })

  it('replays every message after the seq given on reconnect, in order, before live frames', async () => {
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    for (let i = 1; i <= 5; i++) {
      wa.send({ type: 'send', clientId: cid(), body: `m${i}` })
      await wa.next(isMessage(i))
    }
    const wb = await openChat(b.cookie, a.id, 2)
    expect(wb.ready?.lastSeq).toBe(5)
    const replayed = [await wb.nextOfType('message'), await wb.nextOfType('message'), await wb.nextOfType('message')]
    expect(replayed.map((f) => f.message.seq)).toEqual([3, 4, 5])
    wa.send({ type: 'send', clientId: cid(), body: 'live' })
    expect((await wb.nextOfType('message')).message).toMatchObject({ seq: 6, body: 'live' })
    wa.close()
    wb.close()
  })

  it('never lets a live message overtake a replayed one', async () => {
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    for (let i = 1; i <= 25; i++) wa.send({ type: 'send', clientId: cid(), body: `early ${i}` })
    await wa.next(isMessage(25))
    // Keep sending while b reconnects from the start.
    for (let i = 1; i <= 25; i++) wa.send({ type: 'send', clientId: cid(), body: `late ${i}` })
    const wb = await openChat(b.cookie, a.id, 0)
    await wb.next(isMessage(50), 10_000)
    const seqs = wb.frames.filter((f) => f.type === 'message').map((f) => f.message.seq)
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    wa.close()
    wb.close()
  })

  it('replays nothing without after', async () => {
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    wa.send({ type: 'send', clientId: cid(), body: 'one' })
    await wa.next(isMessage(1))
    const wb = await openChat(b.cookie, a.id)
    expect(wb.ready?.lastSeq).toBe(1)
    // A replay would come before any live frame: the first message b sees is the live one.
    wa.send({ type: 'send', clientId: cid(), body: 'two' })
    expect((await wb.nextOfType('message')).message).toMatchObject({ seq: 2, body: 'two' })
    wa.close()
    wb.close()
  })

  it('replays at most the newest 1,000 messages, oldest of them first, before live frames', async () => {
    const { a, b } = await pair()
    const total = 1005
    // Stored straight into the room: a socket may not send a thousand frames quickly.
    const keys = await keyringOf(env)
    const tokens = await Promise.all(Array.from({ length: total }, (_, i) => encryptText(keys, `m${i + 1}`)))
    const { stub } = roomFor(env, a.id, b.id)
    await runInDurableObject(stub, (_: unknown, state: DurableObjectState) => {
      state.storage.transactionSync(() => {
        tokens.forEach((token, i) => {
          state.storage.sql.exec(
            'insert into messages (seq, client_id, sender_id, body, sent_at, notify) values (?, ?, ?, ?, ?, 0)',
            i + 1,
            `seed-${i + 1}`,
            a.id,
            token,
            new Date().toISOString(),
          )
        })
      })
    })
    // The room caches lastSeq; a fresh instance reads it from what was stored.
    await evictDurableObject(stub)
    const wb = await openChat(b.cookie, a.id, 0)
    expect(wb.ready?.lastSeq).toBe(total)
    const wa = await openChat(a.cookie, b.id)
    wa.send({ type: 'send', clientId: cid(), body: 'live' })
    await wb.next(isMessage(total + 1), 10_000)
    const replayed = wb.frames.filter((f) => f.type === 'message').map((f) => f.message)
    expect(replayed.pop()).toMatchObject({ seq: total + 1, body: 'live' })
    expect(replayed).toHaveLength(1000)
    const newest = Array.from({ length: 1000 }, (_, i) => total - 999 + i)
    expect(replayed.map((m) => m.seq)).toEqual(newest)
    expect(replayed.map((m) => m.body)).toEqual(newest.map((seq) => `m${seq}`))
    wa.close()
    wb.close()
  })

  it('moves read state forward only, relays it and fills in readAt', async () => {
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    const wb = await openChat(b.cookie, a.id)
    for (let i = 1; i <= 3; i++) {
      wa.send({ type: 'send', clientId: cid(), body: `m${i}` })
      await wb.next(isMessage(i))
    }
    wb.send({ type: 'read', upTo: 2 })
    const read = await wa.nextOfType('read')
    expect(read).toMatchObject({ type: 'read', userId: b.id, upTo: 2 })
    wb.send({ type: 'read', upTo: 1 })
    wb.send({ type: 'read', upTo: 2 })
    expect(await wa.silentFor((f) => f.type === 'read', 300)).toBe(true)
    wb.send({ type: 'read', upTo: 99 })
    expect(await wa.nextOfType('read')).toMatchObject({ userId: b.id, upTo: 3 })
    const res = await call(`/api/conversations/${b.id}/messages`, { cookie: a.cookie })
    const { messages } = (await res.json()) as { messages: Frame[] }
    expect(messages.every((m) => typeof m.readAt === 'string')).toBe(true)
    const again = await openChat(a.cookie, b.id)
    expect(again.ready?.readUpTo).toEqual({ [a.id]: 0, [b.id]: 3 })
    for (const s of [wa, wb, again]) s.close()
  })

  it("does not mark one's own messages read", async () => {
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    wa.send({ type: 'send', clientId: cid(), body: 'mine' })
    await wa.next(isMessage(1))
    wa.send({ type: 'read', upTo: 1 })
    await wa.nextOfType('read')
    const res = await call(`/api/conversations/${b.id}/messages`, { cookie: a.cookie })
    const { messages } = (await res.json()) as { messages: Frame[] }
    expect(messages[0]!.readAt).toBeUndefined()
    wa.close()
  })

  it('relays typing to the peer without storing it', async () => {
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    const wb = await openChat(b.cookie, a.id)
    wa.send({ type: 'typing' })
    expect(await wb.nextOfType('typing')).toEqual({ type: 'typing', userId: a.id })
    wa.send({ type: 'typing' })
    expect(await wb.silentFor((f) => f.type === 'typing', 300)).toBe(true)
    expect(wb.ready?.lastSeq).toBe(0)
    wa.close()
    wb.close()
  })

  it('answers ping with pong, in the exact spelling and in any other', async () => {
    const { a, b } = await pair()
    const ws = await openChat(a.cookie, b.id)
    ws.send(PING_FRAME)
    expect(await ws.nextOfType('pong')).toEqual({ type: 'pong' })
    ws.send('{ "type" : "ping" }')
    expect(await ws.nextOfType('pong')).toEqual({ type: 'pong' })
    ws.close()
  })

  it.each([
    ['not JSON', '{nope', 'bad-json'],
    ['an unknown type', { type: 'dance' }, 'bad-frame'],
    ['a send without clientId', { type: 'send', body: 'x' }, 'bad-frame'],
    ['a clientId over 64 characters', { type: 'send', clientId: 'x'.repeat(65), body: 'x' }, 'bad-frame'],
    ['a read with a negative seq', { type: 'read', upTo: -1 }, 'bad-frame'],
    ['a viewing without active', { type: 'viewing' }, 'bad-frame'],
    ['an empty body', { type: 'send', clientId: 'e1', body: '   ' }, 'body-empty'],
    ['a body over 4,000 characters', { type: 'send', clientId: 'e2', body: '😀'.repeat(4001) }, 'body-too-long'],
    ['a frame over 64 KiB', { type: 'send', clientId: 'e3', body: 'x'.repeat(70_000) }, 'frame-too-large'],
  ])('answers %s with an error frame and stays open', async (_, frame, code) => {
    const { a, b } = await pair()
    const ws = await openChat(a.cookie, b.id)
    ws.send(frame)
    const error = await ws.nextOfType('error')
    expect(error.code).toBe(code)
    expect(typeof error.message).toBe('string')
    if (typeof frame === 'object' && 'clientId' in frame && code.startsWith('body'))
      expect(error.clientId).toBe(frame.clientId)
    ws.send({ type: 'send', clientId: cid(), body: 'still works' })
    expect((await ws.nextOfType('message')).message.body).toBe('still works')
    ws.close()
  })

  it('accepts a body of exactly 4,000 characters counted in code points', async () => {
    const { a, b } = await pair()
    const ws = await openChat(a.cookie, b.id)
    ws.send({ type: 'send', clientId: cid(), body: '😀'.repeat(4000) })
    expect((await ws.nextOfType('message')).message.seq).toBe(1)
    ws.close()
  })

  it('answers floods with rate-limited errors and then closes the socket with 4408', async () => {
    const { a, b } = await pair()
    const ws = await openChat(a.cookie, b.id)
    for (let i = 0; i < 200; i++) ws.send({ type: 'typing' })
    expect((await ws.next((f) => f.type === 'error' && f.code === 'rate-limited')).code).toBe('rate-limited')
    expect(await ws.closed).toBe(4408)
  })
})

describe('conversation routes', () => {
  it('refuses the socket without a session (401), for an unknown user (404) and oneself (400)', async () => {
    const { a, b } = await pair()
    expect((await upgrade(`/api/conversations/${b.id}/ws`)).status).toBe(401)
    expect((await upgrade(`/api/conversations/${crypto.randomUUID()}/ws`, a.cookie)).status).toBe(404)
    expect((await upgrade(`/api/conversations/${a.id}/ws`, a.cookie)).status).toBe(400)
    expect((await upgrade(`/api/conversations/${b.id}/ws`, a.cookie, { origin: 'https://evil.example' })).status).toBe(
      403,
    )
    expect((await upgrade(`/api/conversations/${b.id}/ws?after=-1`, a.cookie)).status).toBe(400)
  })

  it('answers the socket route without an upgrade with 426', async () => {
    const { a, b } = await pair()
    expect((await call(`/api/conversations/${b.id}/ws`, { cookie: a.cookie })).status).toBe(426)
  })

  it("never shows a third user the pair's messages, over HTTP or the socket", async () => {
    const { a, b } = await pair()
    const c = await signUp()
    const wa = await openChat(a.cookie, b.id)
    wa.send({ type: 'send', clientId: cid(), body: 'secret' })
    await wa.next(isMessage(1))
    const res = await call(`/api/conversations/${a.id}/messages`, { cookie: c.cookie })
    expect(((await res.json()) as { messages: unknown[] }).messages).toEqual([])
    const wc = await openChat(c.cookie, a.id, 0)
    expect(wc.ready?.lastSeq).toBe(0)
    expect(await wc.silentFor((f) => f.type === 'message', 200)).toBe(true)
    wa.close()
    wc.close()
  })

  it('the room itself refuses a socket for someone who is not a member', async () => {
    const { a, b } = await pair()
    const c = await signUp()
    const { stub } = roomFor(env, a.id, b.id)
    const res = await stub.fetch(`${ORIGIN}/ws`, {
      headers: {
        upgrade: 'websocket',
        'x-parley-user': c.id,
        'x-parley-session': 's',
        'x-parley-members': [a.id, b.id].sort().join(','),
        'x-parley-peer': JSON.stringify({ id: a.id, email: a.email, firstName: '', lastName: '' }),
      },
    })
    expect(res.status).toBe(403)
  })

  it('pages history with before, limit and hasMore, ascending', async () => {
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    for (let i = 1; i <= 7; i++) {
      wa.send({ type: 'send', clientId: cid(), body: `m${i}` })
      await wa.next(isMessage(i))
    }
    const page = async (q: string) =>
      (await (await call(`/api/conversations/${b.id}/messages${q}`, { cookie: a.cookie })).json()) as {
        messages: Frame[]
        hasMore: boolean
        notices: unknown[]
      }
    const newest = await page('?limit=3')
    expect(newest.messages.map((m) => m.seq)).toEqual([5, 6, 7])
    expect(newest.hasMore).toBe(true)
    expect(newest.notices).toEqual([])
    const older = await page('?before=5&limit=3')
    expect(older.messages.map((m) => m.seq)).toEqual([2, 3, 4])
    const oldest = await page('?before=2&limit=3')
    expect(oldest.messages.map((m) => m.seq)).toEqual([1])
    expect(oldest.hasMore).toBe(false)
    expect((await page('?limit=1000')).messages).toHaveLength(7)
    expect((await page('?limit=0')).messages).toHaveLength(1)
    const bad = await call(`/api/conversations/${b.id}/messages?before=abc`, { cookie: a.cookie })
    expect(bad.status).toBe(400)
    await problemOf(bad)
    wa.close()
  })

  it('keeps seq, read state and sockets working across eviction (hibernation)', async () => {
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    const wb = await openChat(b.cookie, a.id)
    wa.send({ type: 'send', clientId: cid(), body: 'before' })
    await wb.next(isMessage(1))
    wb.send({ type: 'read', upTo: 1 })
    await wa.nextOfType('read')
    const { stub } = roomFor(env, a.id, b.id)
    await evictDurableObject(stub)
    wa.send({ type: 'send', clientId: cid(), body: 'after' })
    const after = await wb.next(isMessage(2))
    expect(after.message.body).toBe('after')
    const fresh = await openChat(a.cookie, b.id)
    expect(fresh.ready).toMatchObject({ lastSeq: 2, readUpTo: { [b.id]: 1, [a.id]: 0 } })
    for (const s of [wa, wb, fresh]) s.close()
  })

  it('stores bodies only as Fernet tokens', async () => {
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    wa.send({ type: 'send', clientId: cid(), body: 'plaintext-canary-42' })
    await wa.next(isMessage(1))
    const { stub } = roomFor(env, a.id, b.id)
    const dump = await runInDurableObject(stub, (_instance, state) => {
      const tables = state.storage.sql
        .exec<{ name: string }>(
          "select name from sqlite_master where type = 'table' and name not like '\\_cf\\_%' escape '\\'",
        )
        .toArray()
        .map((t) => t.name)
      return JSON.stringify(tables.map((t) => state.storage.sql.exec(`select * from "${t}"`).toArray()))
    })
    expect(dump).not.toContain('plaintext-canary-42')
    expect(dump).toContain('gAAAAA')
    wa.close()
  })

  it('writes activity counters to D1 in a batch, not per message', async () => {
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    for (let i = 1; i <= 3; i++) {
      wa.send({ type: 'send', clientId: cid(), body: `m${i}` })
      await wa.next(isMessage(i))
    }
    const { roomId, stub } = roomFor(env, a.id, b.id)
    // Listed with the first message (CONTRACT.md: listed once it holds a message); the
    // messages after it wait for the batch.
    const listed = await env.DB.prepare('select message_count from rooms where id = ?')
      .bind(roomId)
      .first<{ message_count: number }>()
    expect(listed?.message_count).toBe(1)
    await runDurableObjectAlarm(stub)
    const row = await env.DB.prepare('select * from rooms where id = ?').bind(roomId).first<{ message_count: number }>()
    expect(row?.message_count).toBe(3)
    wa.close()
  })

  it('settles counters and the outbox when the last socket closes, leaving no alarm to wake the room', async () => {
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    const wb = await openChat(b.cookie, a.id)
    for (let i = 1; i <= 2; i++) {
      wa.send({ type: 'send', clientId: cid(), body: `m${i}` })
      await wb.next(isMessage(i))
    }
    const { roomId, stub } = roomFor(env, a.id, b.id)
    expect(
      await runInDurableObject(stub, (_: unknown, state: DurableObjectState) => state.storage.getAlarm()),
    ).not.toBeNull()
    wa.close()
    wb.close()
    const row = await eventually(
      () =>
        env.DB.prepare('select message_count from rooms where id = ?').bind(roomId).first<{ message_count: number }>(),
      (r) => r?.message_count === 2,
    )
    expect(row?.message_count).toBe(2)
    const alarm = await eventually(
      () => runInDurableObject(stub, (_: unknown, state: DurableObjectState) => state.storage.getAlarm()),
      (at) => at === null,
    )
    expect(alarm).toBeNull()
  })

  it('closes the sockets of a session that logs out with 4401', async () => {
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    const wb = await openChat(b.cookie, a.id)
    await SELF.fetch(`${ORIGIN}/api/auth/logout`, { method: 'POST', headers: { cookie: a.cookie } })
    expect(await wa.closed).toBe(4401)
    wb.send({ type: 'typing' })
    expect(wb.closeCode).toBeNull()
    wb.close()
  })
})
