// Deleting an account (CONTRACT.md: Accounts, "Deleting an account"): behind the password,
// every session ends, the email is free again, names, blocks, notifications and push
// subscriptions go, and every message the user sent is deleted for the peer as the `delete`
// frame does, while the peer keeps the conversation with a deleted Peer.
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { deletedPeer } from '../../protocol/api.ts'
import { blobKey } from '../../worker/attachments/attachment-id.ts'
import { keyringOf } from '../../worker/crypto/keys.ts'
import { deleteAccountRows } from '../../worker/db/account-deletion.ts'
import { openDb } from '../../worker/db/client.ts'
import {
  sealNames,
  setPasswordHashStatement,
  setReadReceiptsStatement,
  updateNamesStatements,
} from '../../worker/db/users.ts'
import type { Env } from '../../worker/env.ts'
import { INLINE_ROOMS } from '../../worker/inbox/account-erasure.ts'
import { inboxOf } from '../../worker/inbox/inbox-key.ts'
import { ERASE_CHUNK } from '../../worker/rooms/member-erasure.ts'
import { roomFor } from '../../worker/rooms/room-key.ts'
import {
  closeAll,
  conversationWith,
  historyOf,
  isError,
  isErrorFor,
  isUpdate,
  notificationsOf,
  pairWith,
  roomLastRev,
  say,
  textCells,
} from './helpers/chat.ts'
import { call, freshAddress, ORIGIN, PASSWORD, problemOf, type SignedUp, signIn, signUp } from './helpers/http.ts'
import { openChat, openSocket, TestSocket } from './helpers/socket.ts'
import { eventually } from './helpers/wait.ts'

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 8, 7, 6])

function deleteAccount(me: SignedUp, password = me.password): Promise<Response> {
  return call('/api/me', { method: 'DELETE', cookie: me.cookie, body: { password } })
}

async function deleted(me: SignedUp): Promise<void> {
  const res = await deleteAccount(me)
  expect(res.status).toBe(204)
}

async function upload(me: SignedUp, peerId: string): Promise<Response> {
  const form = new FormData()
  form.set('file', new File([PNG], 'holiday.png', { type: 'image/png' }))
  return SELF.fetch(`${ORIGIN}/api/conversations/${peerId}/attachments`, {
    method: 'POST',
    headers: { cookie: me.cookie },
    body: form,
  })
}

async function search(cookie: string, q: string): Promise<{ id: string }[]> {
  const res = await call(`/api/users?q=${encodeURIComponent(q)}`, { cookie })
  expect(res.status).toBe(200)
  return ((await res.json()) as { users: { id: string }[] }).users
}

/** A room holding `count` messages from `sender`, written straight into its storage (then reloaded). */
async function seededRoom(sender: string, other: string, count: number) {
  const room = roomFor(env, sender, other)
  await runInDurableObject(room.stub, (_: unknown, state: DurableObjectState) => {
    const sql = state.storage.sql
    sql.exec("insert or ignore into meta (key, value) values ('members', ?)", JSON.stringify([sender, other].sort()))
    const at = new Date().toISOString()
    for (let seq = 1; seq <= count; seq++) {
      sql.exec(
        'insert into messages (seq, client_id, sender_id, body, sent_at, notify, rev) values (?, ?, ?, ?, ?, 0, ?)',
        seq,
        `seed-${seq}`,
        sender,
        'x',
        at,
        seq,
      )
    }
  })
  await evictDurableObject(room.stub)
  return room
}

/** A D1 that answers nothing: every statement fails, as when D1 is unreachable. */
const D1_DOWN = {
  prepare() {
    throw new Error('D1 is unreachable')
  },
  batch() {
    return Promise.reject(new Error('D1 is unreachable'))
  },
} as unknown as D1Database

async function staffMember(): Promise<SignedUp> {
  const staff = await signUp()
  await env.DB.prepare('update users set is_staff = 1 where id = ?').bind(staff.id).run()
  return staff
}

describe('DELETE /api/me: the password', () => {
  it('answers 401 without a session', async () => {
    const res = await call('/api/me', { method: 'DELETE', body: { password: PASSWORD } })
    expect(res.status).toBe(401)
  })

  it('refuses a wrong password with 400 and errors.password, and deletes nothing', async () => {
    const me = await signUp({ firstName: 'Wendy' })
    const res = await deleteAccount(me, 'not my password at all')
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors?.password).toBeTruthy()
    expect((await call('/api/me', { cookie: me.cookie })).status).toBe(200)
    expect((await call('/api/auth/login', { body: { email: me.email, password: PASSWORD } })).status).toBe(200)
  })

  it('refuses a missing password and unknown fields with 400', async () => {
    const me = await signUp()
    const empty = await call('/api/me', { method: 'DELETE', cookie: me.cookie, body: {} })
    expect(empty.status).toBe(400)
    expect((await problemOf(empty)).errors?.password).toBeTruthy()
    const extra = await call('/api/me', { method: 'DELETE', cookie: me.cookie, body: { password: PASSWORD, now: 1 } })
    expect(extra.status).toBe(400)
    expect((await call('/api/me', { cookie: me.cookie })).status).toBe(200)
  })

  it('throttles wrong passwords like failed sign-ins for the email', async () => {
    const me = await signUp()
    const statuses: number[] = []
    for (let i = 0; i < 12; i++) statuses.push((await deleteAccount(me, `wrong password ${i}`)).status)
    expect(statuses).toContain(429)
    expect(statuses.filter((s) => s !== 400 && s !== 429)).toEqual([])
  })
})

describe('DELETE /api/me: the account', () => {
  it('ends every session: requests get 401 and open sockets close with 4401', async () => {
    const [me, peer] = await Promise.all([signUp(), signUp()])
    const other = await signIn(me.email)
    const chat = await openChat(me.cookie, peer.id)
    const notes = await openSocket('/api/notifications/ws', other)
    await deleted(me)
    expect(await chat.closed).toBe(4401)
    expect(await notes.closed).toBe(4401)
    expect((await call('/api/me', { cookie: me.cookie })).status).toBe(401)
    expect((await call('/api/me', { cookie: other })).status).toBe(401)
  })

  it('refuses the old email and password with the same 401 as an unknown email', async () => {
    const me = await signUp()
    await deleted(me)
    const headers = { 'cf-connecting-ip': freshAddress() }
    const old = await call('/api/auth/login', { body: { email: me.email, password: PASSWORD }, headers })
    const unknown = await call('/api/auth/login', {
      body: { email: `nobody-${crypto.randomUUID()}@example.com`, password: PASSWORD },
      headers,
    })
    expect(old.status).toBe(401)
    expect(await old.json()).toEqual(await unknown.json())
  })

  it('frees the email for a new registration, as a new account', async () => {
    const me = await signUp()
    await deleted(me)
    const again = await signUp({ email: me.email })
    expect(again.id).not.toBe(me.id)
    expect((await call('/api/me', { cookie: again.cookie })).status).toBe(200)
  })

  it('empties the D1 row (a tombstone), its name index, blocks and sessions, and audits it without names', async () => {
    const [me, peer] = await Promise.all([signUp({ firstName: 'Quentin', lastName: 'Blake' }), signUp()])
    await env.DB.prepare('insert into blocks (blocker_id, blocked_id, created_at) values (?, ?, ?), (?, ?, ?)')
      .bind(me.id, peer.id, new Date().toISOString(), peer.id, me.id, new Date().toISOString())
      .run()
    await deleted(me)
    const row = await env.DB.prepare('select * from users where id = ?').bind(me.id).first<Record<string, unknown>>()
    expect(row).toMatchObject({
      email: `deleted:${me.id}`,
      first_name: '',
      last_name: '',
      password_hash: '',
      is_active: 0,
    })
    expect(typeof row?.deleted_at).toBe('string')
    const count = async (sql: string) => (await env.DB.prepare(sql).bind(me.id, me.id).first<{ n: number }>())?.n
    expect(await count('select count(*) as n from name_index where user_id = ? or user_id = ?')).toBe(0)
    expect(await count('select count(*) as n from blocks where blocker_id = ? or blocked_id = ?')).toBe(0)
    expect(await count('select count(*) as n from sessions where user_id = ? or user_id = ?')).toBe(0)
    const audit = await env.DB.prepare("select * from audit_log where action = 'account.delete' and target_id = ?")
      .bind(me.id)
      .first<{ actor_id: string; target_type: string; changes: string }>()
    expect(audit).toMatchObject({ actor_id: me.id, target_type: 'user', changes: '{}' })
  })

  it('refuses staff edits of a deleted account with 409', async () => {
    const [me, staff] = await Promise.all([signUp(), signUp()])
    await env.DB.prepare('update users set is_staff = 1 where id = ?').bind(staff.id).run()
    await deleted(me)
    const res = await call(`/api/admin/users/${me.id}`, {
      method: 'PATCH',
      cookie: staff.cookie,
      body: { isActive: true, firstName: 'Back' },
    })
    expect(res.status).toBe(409)
    const row = await env.DB.prepare('select is_active, first_name from users where id = ?')
      .bind(me.id)
      .first<{ is_active: number; first_name: string }>()
    expect(row).toEqual({ is_active: 0, first_name: '' })
    const shown = await call(`/api/admin/users/${me.id}`, { cookie: staff.cookie })
    const { user } = (await shown.json()) as { user: { deletedAt?: string; isActive: boolean } }
    expect(user.deletedAt).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect(user.isActive).toBe(false)
  })

  it('takes the user out of search, by name and by email', async () => {
    const word = `Zebulon${crypto.randomUUID().slice(0, 6)}`
    const [me, peer] = await Promise.all([signUp({ firstName: word }), signUp()])
    expect((await search(peer.cookie, word)).map((u) => u.id)).toEqual([me.id])
    await deleted(me)
    expect(await search(peer.cookie, word)).toEqual([])
    expect(await search(peer.cookie, me.email)).toEqual([])
    expect(await search(peer.cookie, `deleted:${me.id}`)).toEqual([])
  })

  it('writes nothing onto the tombstone for a profile or password change that passed its session check before', async () => {
    const [me, other] = await Promise.all([signUp({ firstName: 'Ursula' }), signUp()])
    await deleted(me)
    // What PATCH /api/me and POST /api/me/password run once their session check passed.
    const db = openDb(env.DB)
    const keys = await keyringOf(env)
    const writes = async (userId: string) => {
      const sealed = await sealNames(keys, env.NAME_INDEX_KEY, 'Ursula', 'Kroeber Le Guin')
      await db.batch([
        ...updateNamesStatements(db, userId, sealed),
        setReadReceiptsStatement(db, userId, false),
        setPasswordHashStatement(db, userId, 'a new hash'),
      ])
      return sealed.tokens.length
    }
    await writes(me.id)
    const row = await env.DB.prepare(
      'select first_name, last_name, password_hash, read_receipts from users where id = ?',
    )
      .bind(me.id)
      .first()
    expect(row).toEqual({ first_name: '', last_name: '', password_hash: '', read_receipts: 1 })
    const indexed = (id: string) =>
      env.DB.prepare('select count(*) as n from name_index where user_id = ?')
        .bind(id)
        .first<{ n: number }>()
        .then((r) => r?.n)
    expect(await indexed(me.id)).toBe(0)
    // The same statements still write for an account that is not deleted.
    const tokens = await writes(other.id)
    expect(await indexed(other.id)).toBe(tokens)
    const live = await env.DB.prepare('select first_name, password_hash, read_receipts from users where id = ?')
      .bind(other.id)
      .first<{ first_name: string; password_hash: string; read_receipts: number }>()
    expect(live).toMatchObject({ password_hash: 'a new hash', read_receipts: 0 })
    expect(live?.first_name).not.toBe('')
  })

  it('answers 204 once D1 is done, even when ending the sessions fails after it', async () => {
    const { a, wa, wb } = await pairWith(1)
    const inbox = inboxOf(env, a.id)
    const proto = await runInDurableObject(inbox, (instance: object) => Object.getPrototypeOf(instance) as object)
    const original = Reflect.get(proto, 'endSessions')
    Reflect.set(proto, 'endSessions', () => Promise.reject(new Error('inbox unreachable')))
    let res: Response
    try {
      res = await deleteAccount(a)
    } finally {
      Reflect.set(proto, 'endSessions', original)
    }
    expect(res.status).toBe(204)
    expect((await call('/api/me', { cookie: a.cookie })).status).toBe(401)
    // The erasure went on: the room closed Ann's socket and deleted her message.
    expect(await wa.closed).toBe(4401)
    expect((await wb.next(isUpdate(1))).message.deletedAt).toBeTruthy()
    closeAll(wb)
  })

  it("strips the user's names from staff edits in the audit log, keeping the other changes", async () => {
    const [me, other, staff] = await Promise.all([signUp({ firstName: 'Olga' }), signUp(), staffMember()])
    const edit = (id: string, body: object) =>
      call(`/api/admin/users/${id}`, { method: 'PATCH', cookie: staff.cookie, body })
    expect((await edit(me.id, { firstName: 'Renamed', lastName: 'Person', isActive: false })).status).toBe(200)
    expect((await edit(me.id, { isActive: true })).status).toBe(200)
    expect((await edit(other.id, { firstName: 'Kept' })).status).toBe(200)
    const cookie = await signIn(me.email)
    await deleted({ ...me, cookie })
    const changesOf = async (id: string) =>
      (
        await env.DB.prepare("select changes from audit_log where action = 'user.update' and target_id = ? order by at")
          .bind(id)
          .all<{ changes: string }>()
      ).results.map((r) => JSON.parse(r.changes) as Record<string, unknown>)
    expect(await changesOf(me.id)).toEqual([
      { isActive: { from: true, to: false } },
      { isActive: { from: false, to: true } },
    ])
    const [kept] = await changesOf(other.id)
    expect(Object.keys(kept ?? {})).toEqual(['firstName'])
  })

  it('checks a staff edit of a deleted account in order: 404, 403, 400, then 409', async () => {
    const [me, staff] = await Promise.all([signUp(), staffMember()])
    await deleted(me)
    const edit = (id: string, body: object) =>
      call(`/api/admin/users/${id}`, { method: 'PATCH', cookie: staff.cookie, body })
    expect((await edit(crypto.randomUUID(), { nonsense: 1 })).status).toBe(404)
    expect((await edit(me.id, { isStaff: true })).status).toBe(403)
    const invalid = await edit(me.id, { nonsense: 1 })
    expect(invalid.status).toBe(400)
    expect((await problemOf(invalid)).errors?.nonsense).toBeTruthy()
    expect((await edit(me.id, { firstName: 'Back' })).status).toBe(409)
  })

  it('keeps nothing new in the erased inbox: push subscriptions, storage, sockets', async () => {
    const me = await signUp()
    await deleted(me)
    const inbox = inboxOf(env, me.id)
    const sub = { endpoint: 'https://push.parley.test/late', p256dh: 'key', auth: 'auth' }
    expect(await inbox.addPushSubscription(sub)).toBe(false)
    expect(await inbox.pushSubscriptionCount()).toBe(0)
    expect(await inbox.reserveStorage(10, 1_000_000)).toBe('deleted')
    expect(await inbox.storageUsed()).toBe(0)
    expect(await inbox.admitSocket('some-room', 'some-session')).toBe(false)
    const res = await inbox.fetch('https://inbox.internal/', {
      headers: { upgrade: 'websocket', 'x-parley-session': 'some-session', 'x-parley-user': me.id },
    })
    expect(res.status).toBe(101)
    const socket = new TestSocket(res.webSocket!)
    expect(await Promise.race([socket.closed, new Promise((r) => setTimeout(() => r('still open'), 2000))])).toBe(4401)
    expect(socket.frames.filter((f) => f.type === 'unread')).toEqual([])
  })
})

describe('DELETE /api/me: the conversations', () => {
  it('deletes every message the user sent for the peer, live with a new rev, and in history', async () => {
    const { a, b, wa, wb } = await pairWith(2)
    const reply = await say(wb, 'from Bob')
    const before = await roomLastRev(a.id, b.id)
    await deleted(a)
    const [u1, u2] = [await wb.next(isUpdate(1)), await wb.next(isUpdate(2))]
    for (const [u, seq] of [
      [u1, 1],
      [u2, 2],
    ] as const) {
      expect(u.message).toMatchObject({ seq, senderId: a.id, body: '' })
      expect(u.message.deletedAt).toBeTruthy()
      expect(u.message.rev).toBeGreaterThan(before)
    }
    const history = await historyOf(b.cookie, a.id)
    expect(history.map((m) => [m.seq, m.body, !!m.deletedAt])).toEqual([
      [1, '', true],
      [2, '', true],
      [3, 'from Bob', false],
    ])
    expect(history[2]).toMatchObject({ seq: reply.seq, senderId: b.id })
    closeAll(wa, wb)
  })

  it('leaves no message of the user standing that was sent in the instant of deletion', async () => {
    const { a, b, wa, wb } = await pairWith(0)
    for (let i = 0; i < 5; i++) wa.send({ type: 'send', clientId: `race-${i}`, body: `racing ${i}` })
    await deleted(a)
    // Each was either committed and then erased, or refused: none keeps its body.
    const history = await historyOf(b.cookie, a.id)
    expect(history.filter((m) => m.senderId === a.id && (m.body !== '' || !m.deletedAt))).toEqual([])
    closeAll(wa, wb)
  })

  it("removes the user's reactions on the peer's messages, with an update frame", async () => {
    const { a, b, wa, wb } = await pairWith(0)
    const mine = await say(wb, 'react to this')
    wa.send({ type: 'react', seq: mine.seq, emoji: '👍', on: true })
    wa.send({ type: 'react', seq: mine.seq, emoji: '🎉', on: true })
    await wb.next((f) => f.type === 'update' && f.message.reactions?.['🎉'])
    wb.send({ type: 'react', seq: mine.seq, emoji: '🎉', on: true })
    await wb.next((f) => f.type === 'update' && f.message.reactions?.['🎉']?.length === 2)
    await deleted(a)
    const u = await wb.next((f) => f.type === 'update' && f.message.seq === mine.seq && !f.message.reactions?.['👍'])
    expect(u.message).toMatchObject({ body: 'react to this', reactions: { '🎉': [b.id] } })
    const [stored] = await historyOf(b.cookie, a.id)
    expect(stored).toMatchObject({ body: 'react to this', reactions: { '🎉': [b.id] } })
    closeAll(wa, wb)
  })

  it('shows the peer a deleted Peer in the list, live on the notifications socket, and in ready', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    await eventually(
      () => conversationWith(b.cookie, a.id),
      (c) => !!c,
    )
    const notes = await openSocket('/api/notifications/ws', b.cookie)
    await deleted(a)
    const frame = await notes.next((f) => f.type === 'conversation' && f.conversation.peer.deleted)
    expect(frame.conversation.peer).toEqual(deletedPeer(a.id))
    expect((await conversationWith(b.cookie, a.id))?.peer).toEqual(deletedPeer(a.id))
    wb.close()
    const again = await openChat(b.cookie, a.id)
    expect(again.ready?.peer).toEqual(deletedPeer(a.id))
    closeAll(wa, again, notes)
  })

  it("lifts the peer's block of the deleted user from their list entry", async () => {
    const { a, b, wa, wb } = await pairWith(1)
    expect((await call(`/api/me/blocks/${a.id}`, { method: 'PUT', cookie: b.cookie, body: {} })).status).toBe(204)
    await eventually(
      () => conversationWith(b.cookie, a.id),
      (c) => c?.blocked === 'by-me',
    )
    await deleted(a)
    expect(await conversationWith(b.cookie, a.id)).toMatchObject({ peer: deletedPeer(a.id), blocked: 'none' })
    const blocks = await call('/api/me/blocks', { cookie: b.cookie })
    expect(((await blocks.json()) as { blocks: unknown[] }).blocks).toEqual([])
    closeAll(wa, wb)
  })

  it('keeps the history readable and refuses send, edit and react with not-allowed; deleting still works', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    const own = await say(wb, 'mine')
    await deleted(a)
    await wb.next(isUpdate(1))
    wb.send({ type: 'send', clientId: 'after', body: 'are you there?' })
    expect(await wb.next(isErrorFor('after'))).toMatchObject({ code: 'not-allowed' })
    wb.send({ type: 'edit', seq: own.seq, body: 'changed' })
    expect(await wb.next(isError(own.seq))).toMatchObject({ code: 'not-allowed' })
    wb.send({ type: 'react', seq: own.seq, emoji: '👍', on: true })
    expect(await wb.next(isError(own.seq))).toMatchObject({ code: 'not-allowed' })
    wb.send({ type: 'delete', seq: own.seq })
    expect((await wb.next(isUpdate(own.seq))).message.deletedAt).toBeTruthy()
    // A new socket works too, and is refused the same way.
    const again = await openChat(b.cookie, a.id)
    again.send({ type: 'send', clientId: 'again', body: 'hello?' })
    expect(await again.next(isErrorFor('again'))).toMatchObject({ code: 'not-allowed' })
    expect((await historyOf(b.cookie, a.id)).map((m) => m.seq)).toEqual([1, 2])
    const refused = await upload(b, a.id)
    expect(refused.status).toBe(403)
    closeAll(wa, wb, again)
  })

  it('answers a retried clientId in the conversation of a deleted account with the original message', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    const mine = await say(wb, 'sent before')
    await deleted(a)
    await wb.next(isUpdate(1))
    wb.send({ type: 'send', clientId: mine.clientId, body: 'the retry' })
    const answer = await wb.next(
      (f) => (f.type === 'message' && f.message.clientId === mine.clientId) || isErrorFor(mine.clientId)(f),
    )
    expect(answer.type).toBe('message')
    expect(answer.message).toMatchObject({ seq: mine.seq, body: 'sent before', senderId: b.id })
    expect((await historyOf(b.cookie, a.id)).map((m) => m.seq)).toEqual([1, 2])
    closeAll(wa, wb)
  })

  it('destroys the attachments in R2 and releases the quota', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const sent = ((await (await upload(a, b.id)).json()) as { attachment: { id: string } }).attachment.id
    const unsent = ((await (await upload(a, b.id)).json()) as { attachment: { id: string } }).attachment.id
    const wa = await openChat(a.cookie, b.id)
    await say(wa, '', { attachments: [sent] })
    expect(await env.ATTACHMENTS.get(blobKey(sent))).not.toBeNull()
    await deleted(a)
    await expect.poll(async () => env.ATTACHMENTS.get(blobKey(sent))).toBeNull()
    await expect.poll(async () => env.ATTACHMENTS.get(blobKey(unsent))).toBeNull()
    expect((await call(`/api/attachments/${sent}`, { cookie: b.cookie })).status).toBe(404)
    await expect.poll(() => inboxOf(env, a.id).storageUsed()).toBe(0)
    wa.close()
  })

  it('withdraws the notifications the user raised from the peer', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const wa = await openChat(a.cookie, b.id)
    await say(wa, 'one')
    await say(wa, 'two')
    await eventually(
      () => notificationsOf(b.cookie),
      (p) => p.notifications.length === 2,
    )
    await deleted(a)
    const page = await notificationsOf(b.cookie)
    expect(page.notifications).toEqual([])
    expect(page.unreadTotal).toBe(0)
    const entry = await conversationWith(b.cookie, a.id)
    expect(entry?.unread).toBe(0)
    expect(entry?.lastMessage).toMatchObject({ seq: 2, body: '' })
    expect(entry?.lastMessage.deletedAt).toBeTruthy()
    wa.close()
  })

  it("wipes the user's inbox: conversations, notifications and push subscriptions", async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const sub = (await (await fetch('https://push.parley.test/new?status=201', { method: 'POST' })).json()) as object
    expect((await call('/api/push/subscriptions', { cookie: a.cookie, body: sub })).status).toBe(201)
    const wb = await openChat(b.cookie, a.id)
    await say(wb, 'a notification for Ann')
    await eventually(
      () => notificationsOf(a.cookie),
      (p) => p.notifications.length === 1,
    )
    await deleted(a)
    const inbox = inboxOf(env, a.id)
    expect(await inbox.pushSubscriptionCount()).toBe(0)
    const cells = await textCells(inbox)
    expect(cells.filter((c) => c.table !== '_migrations' && c.column !== 'account_erasure')).toEqual([])
    wb.close()
  })
})

describe('DELETE /api/me: durability', () => {
  it('erases a room twice with the same result: the second time changes nothing', async () => {
    const { a, b, wa, wb } = await pairWith(2)
    await deleted(a)
    await wb.next(isUpdate(2))
    const rev = await roomLastRev(a.id, b.id)
    const { stub } = roomFor(env, a.id, b.id)
    expect(await stub.eraseMember(a.id)).toEqual({ done: true })
    expect(await roomLastRev(a.id, b.id)).toBe(rev)
    expect(await wb.silentFor(isUpdate(1), 300)).toBe(true)
    closeAll(wa, wb)
  })

  it('erases the rooms past the inline batch in the background, then wipes the inbox', async () => {
    const me = await signUp()
    const peers = await Promise.all(Array.from({ length: INLINE_ROOMS + 3 }, () => signUp()))
    for (const p of peers) {
      const ws = await openChat(me.cookie, p.id)
      await say(ws, `hello ${p.id}`)
      ws.close()
    }
    await eventually(
      async () =>
        (await call('/api/conversations', { cookie: me.cookie }).then((r) => r.json())) as { conversations: unknown[] },
      (r) => r.conversations.length === peers.length,
    )
    await deleted(me)
    for (const p of peers) {
      const history = await eventually(
        () => historyOf(p.cookie, me.id),
        (h) => h.every((m) => m.deletedAt),
        15_000,
      )
      expect(history.map((m) => m.body)).toEqual([''])
    }
    await expect
      .poll(async () => (await textCells(inboxOf(env, me.id))).filter((c) => c.table === 'conversations'), {
        timeout: 15_000,
      })
      .toEqual([])
  })

  it('finishes an erasure the Worker announced but never began, from the inbox alarm', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    const inbox = inboxOf(env, a.id)
    await inbox.expectErasure(a.id)
    await deleteAccountRows(openDb(env.DB), a.id)
    // The request stopped here: no eraseAccount. The alarm, once due, does it.
    await runInDurableObject(inbox, (_: unknown, state: DurableObjectState) => state.storage.setAlarm(Date.now()))
    await runDurableObjectAlarm(inbox)
    expect((await wb.next(isUpdate(1))).message.deletedAt).toBeTruthy()
    expect((await historyOf(b.cookie, a.id))[0]?.body).toBe('')
    closeAll(wa, wb)
  })

  it('forgets an announced erasure when the account was not deleted after all', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    const inbox = inboxOf(env, a.id)
    await inbox.expectErasure(a.id)
    await runInDurableObject(inbox, (_: unknown, state: DurableObjectState) => state.storage.setAlarm(Date.now()))
    await runDurableObjectAlarm(inbox)
    expect((await historyOf(b.cookie, a.id))[0]?.body).toBe('message 1')
    expect((await say(wa, 'still here')).seq).toBe(2)
    closeAll(wa, wb)
  })

  it('erases a room the inbox hears of only after the erasure finished', async () => {
    const [a, c] = await Promise.all([signUp(), signUp()])
    await deleted(a)
    // Ann's first message here was committed just before, and its delivery arrives only now.
    const { roomId } = await seededRoom(a.id, c.id, 1)
    const receipt = await inboxOf(env, a.id).applyConversation({ roomId, userId: a.id, rev: 1 } as never)
    expect(receipt.deliveredUpTo).toBe(0)
    const history = await eventually(
      () => historyOf(c.cookie, a.id),
      (h) => !!h[0]?.deletedAt,
    )
    expect(history[0]).toMatchObject({ seq: 1, senderId: a.id, body: '' })
    const cells = await textCells(inboxOf(env, a.id))
    expect(cells.filter((x) => x.table === 'conversations')).toEqual([])
  })

  it('erases a room nobody listed when the peer opens it', async () => {
    const [a, c] = await Promise.all([signUp(), signUp()])
    await deleted(a)
    await seededRoom(a.id, c.id, 2)
    const wc = await openChat(c.cookie, a.id, 0)
    expect(wc.ready?.peer).toEqual(deletedPeer(a.id))
    expect((await historyOf(c.cookie, a.id)).map((m) => [m.seq, m.body, !!m.deletedAt])).toEqual([
      [1, '', true],
      [2, '', true],
    ])
    wc.send({ type: 'send', clientId: 'nobody', body: 'hello?' })
    expect(await wc.next(isErrorFor('nobody'))).toMatchObject({ code: 'not-allowed' })
    wc.close()
  })

  it('erases a long conversation in chunks, each call resuming where the last stopped', async () => {
    const [a, c] = await Promise.all([signUp(), signUp()])
    const { stub } = await seededRoom(a.id, c.id, ERASE_CHUNK + 20)
    expect(await stub.eraseMember(a.id)).toEqual({ done: false })
    const left = () =>
      runInDurableObject(stub, (_: unknown, state: DurableObjectState) => {
        return state.storage.sql
          .exec<{ n: number }>('select count(*) as n from messages where deleted_at is null')
          .one().n
      })
    expect(await left()).toBe(20)
    expect(await stub.eraseMember(a.id)).toEqual({ done: true })
    expect(await left()).toBe(0)
    expect(await roomLastRev(a.id, c.id)).toBe(2 * (ERASE_CHUNK + 20))
  })

  it('stores the flag even when the first erasure transaction rolled back', async () => {
    const [a, c] = await Promise.all([signUp(), signUp()])
    const { stub } = await seededRoom(a.id, c.id, 2)
    const flags = await runInDurableObject(stub, async (instance: unknown, state: DurableObjectState) => {
      const room = instance as { log: object; eraseMember(id: string): Promise<{ done: boolean }> }
      Reflect.set(room.log, 'remove', () => {
        throw new Error('storage failed midway')
      })
      try {
        await expect(room.eraseMember(a.id)).rejects.toThrow('storage failed midway')
      } finally {
        Reflect.deleteProperty(room.log, 'remove')
      }
      expect(await room.eraseMember(a.id)).toEqual({ done: true })
      return state.storage.sql.exec<{ n: number }>('select count(*) as n from erased_members').one().n
    })
    expect(flags).toBe(1)
    // Stored, so it holds after a restart: the room still refuses sends.
    await evictDurableObject(stub)
    const wc = await openChat(c.cookie, a.id)
    wc.send({ type: 'send', clientId: 'after-restart', body: 'hello?' })
    expect(await wc.next(isErrorFor('after-restart'))).toMatchObject({ code: 'not-allowed' })
    wc.close()
  })

  it('keeps its alarm armed when D1 fails in it, and finishes once D1 answers', async () => {
    const { a, b, wa, wb } = await pairWith(1)
    const inbox = inboxOf(env, a.id)
    await inbox.expectErasure(a.id)
    await deleteAccountRows(openDb(env.DB), a.id)
    const erasureOf = (instance: unknown) => (instance as { erasure: { env: Env } }).erasure
    const realEnv = await runInDurableObject(inbox, (instance: unknown) => {
      const erasure = erasureOf(instance)
      const real = erasure.env
      erasure.env = { ...real, DB: D1_DOWN }
      return real
    })
    const alarmAt = () => runInDurableObject(inbox, (_: unknown, state: DurableObjectState) => state.storage.getAlarm())
    try {
      // Once announced (D1's tombstone cannot be read), once begun (D1's rooms cannot be read).
      await runInDurableObject(inbox, (_: unknown, state: DurableObjectState) => state.storage.setAlarm(Date.now()))
      await runDurableObjectAlarm(inbox).catch(() => false)
      expect(await alarmAt()).not.toBeNull()
      const begun = await runInDurableObject(inbox, (instance: unknown) =>
        (instance as { eraseAccount(id: string): Promise<void> }).eraseAccount(a.id).then(
          () => 'begun',
          (err: Error) => err.message,
        ),
      )
      expect(begun).toBe('D1 is unreachable')
      await runDurableObjectAlarm(inbox).catch(() => false)
      expect(await alarmAt()).not.toBeNull()
      expect((await historyOf(b.cookie, a.id))[0]?.body).toBe('message 1')
    } finally {
      await runInDurableObject(inbox, (instance: unknown) => {
        erasureOf(instance).env = realEnv
      })
    }
    await runDurableObjectAlarm(inbox)
    expect((await wb.next(isUpdate(1))).message.deletedAt).toBeTruthy()
    expect((await historyOf(b.cookie, a.id))[0]?.body).toBe('')
    closeAll(wa, wb)
  })
})
