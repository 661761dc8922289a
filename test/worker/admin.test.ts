import { env, runDurableObjectAlarm } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { app } from '../../worker/index.ts'
import { roomFor } from '../../worker/rooms/room-key.ts'
import { call, problemOf, type SignedUp, signUp } from './helpers/http.ts'
import { type Frame, openChat, openSocket } from './helpers/socket.ts'

async function promote(user: SignedUp, role: 'staff' | 'superuser'): Promise<SignedUp> {
  await env.DB.prepare('update users set is_staff = 1, is_superuser = ? where id = ?')
    .bind(role === 'superuser' ? 1 : 0, user.id)
    .run()
  return user
}

const staff = async () => promote(await signUp({ firstName: 'Sam', lastName: 'Staff' }), 'staff')
const superuser = async () => promote(await signUp({ firstName: 'Sue', lastName: 'Super' }), 'superuser')

const patch = (cookie: string, id: string, body: unknown) =>
  call(`/api/admin/users/${id}`, { method: 'PATCH', cookie, body })

/** Every admin route, read from the router itself so a new one cannot slip past this test. */
function adminRoutes(): { method: string; path: string }[] {
  const seen = new Set<string>()
  return app.routes
    .filter((r) => r.path.startsWith('/api/admin/') && r.method !== 'ALL')
    .map((r) => ({ method: r.method, path: r.path.replace(/:(\w+)/g, 'x') }))
    .filter((r) => {
      const key = `${r.method} ${r.path}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
}

describe('admin access', () => {
  it('finds the admin routes in the router', () => {
    expect(adminRoutes().length).toBeGreaterThanOrEqual(7)
  })

  it('answers 401 without a session and 403 for a user who is not staff, on every admin route', async () => {
    const user = await signUp()
    for (const { method, path } of adminRoutes()) {
      const body = method === 'GET' ? undefined : {}
      expect((await call(path, { method, body })).status, `${method} ${path} anonymous`).toBe(401)
      expect((await call(path, { method, body, cookie: user.cookie })).status, `${method} ${path} user`).toBe(403)
    }
  })

  it('takes staff granted or removed by a superuser into account on the next request', async () => {
    const [user, su] = await Promise.all([signUp(), superuser()])
    expect((await call('/api/admin/activity', { cookie: user.cookie })).status).toBe(403)
    expect((await patch(su.cookie, user.id, { isStaff: true })).status).toBe(200)
    expect((await call('/api/admin/activity', { cookie: user.cookie })).status).toBe(200)
    await expect((await call('/api/me', { cookie: user.cookie })).json()).resolves.toMatchObject({
      user: { isStaff: true },
    })
    expect((await patch(su.cookie, user.id, { isStaff: false })).status).toBe(200)
    expect((await call('/api/admin/activity', { cookie: user.cookie })).status).toBe(403)
  })
})

describe('admin users', () => {
  it('lists users with isActive and lastLogin, searches by email and name words, and pages', async () => {
    const s = await staff()
    const word = `z${crypto.randomUUID().slice(0, 8)}`
    const target = await signUp({ firstName: word, lastName: 'Target' })
    const byName = await call(`/api/admin/users?q=${word}`, { cookie: s.cookie })
    const named = (await byName.json()) as { users: Frame[]; total: number }
    expect(named.total).toBe(1)
    expect(named.users[0]).toMatchObject({ id: target.id, firstName: word, isActive: true, isStaff: false })
    expect(named.users[0]).toHaveProperty('lastLogin')
    const byEmail = (await (
      await call(`/api/admin/users?q=${target.email.slice(0, 20)}`, { cookie: s.cookie })
    ).json()) as {
      users: Frame[]
    }
    expect(byEmail.users.map((u) => u.id)).toContain(target.id)
    const paged = (await (await call('/api/admin/users?page=1&pageSize=2', { cookie: s.cookie })).json()) as {
      users: Frame[]
      total: number
    }
    expect(paged.users).toHaveLength(2)
    expect(paged.total).toBeGreaterThanOrEqual(2)
    expect((await call('/api/admin/users?page=abc', { cookie: s.cookie })).status).toBe(400)
  })

  it('shows one user, and 404 for an unknown id', async () => {
    const s = await staff()
    const target = await signUp()
    const res = await call(`/api/admin/users/${target.id}`, { cookie: s.cookie })
    expect(((await res.json()) as { user: Frame }).user).toMatchObject({ id: target.id, email: target.email })
    expect((await call(`/api/admin/users/${crypto.randomUUID()}`, { cookie: s.cookie })).status).toBe(404)
  })

  it('lets staff edit names and audits the change with names encrypted', async () => {
    const s = await staff()
    const target = await signUp({ firstName: 'Before' })
    const res = await patch(s.cookie, target.id, { firstName: 'After' })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { user: Frame }).user).toMatchObject({ firstName: 'After' })
    const audit = (await (await call(`/api/admin/audit?targetId=${target.id}`, { cookie: s.cookie })).json()) as {
      entries: Frame[]
      total: number
    }
    expect(audit.total).toBe(1)
    const [entry] = audit.entries
    expect(entry).toMatchObject({ actorId: s.id, action: 'user.update', targetType: 'user', targetId: target.id })
    expect(entry!.changes.firstName.to).toMatch(/^gAAAAA/)
    // The stored changes hold tokens only; staff get the names decrypted beside them.
    expect(JSON.stringify(entry!.changes)).not.toContain('After')
    expect(entry!.names).toEqual({ firstName: { from: 'Before', to: 'After' } })
  })

  it.each(['email', 'password', 'isSuperuser', 'dateJoined'])(
    'refuses the field %s with a 400 naming it',
    async (field) => {
      const s = await superuser()
      const target = await signUp()
      const res = await patch(s.cookie, target.id, { [field]: 'x', firstName: 'Changed' })
      expect(res.status).toBe(400)
      expect((await problemOf(res)).errors?.[field]).toBeTruthy()
      const after = (await (await call(`/api/admin/users/${target.id}`, { cookie: s.cookie })).json()) as {
        user: Frame
      }
      expect(after.user.firstName).toBe('')
    },
  )

  it('lets only a superuser change isStaff', async () => {
    const s = await staff()
    const su = await superuser()
    const target = await signUp()
    expect((await patch(s.cookie, target.id, { isStaff: true })).status).toBe(403)
    const res = await patch(su.cookie, target.id, { isStaff: true })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { user: Frame }).user.isStaff).toBe(true)
  })

  it('lets only a superuser edit another staff member or a superuser', async () => {
    const s = await staff()
    const other = await staff()
    const su = await superuser()
    expect((await patch(s.cookie, other.id, { firstName: 'Nope' })).status).toBe(403)
    expect((await patch(s.cookie, su.id, { firstName: 'Nope' })).status).toBe(403)
    expect((await patch(su.cookie, other.id, { firstName: 'Yes' })).status).toBe(200)
    expect((await patch(s.cookie, s.id, { firstName: 'Myself' })).status).toBe(200)
  })

  it('refuses to let anyone deactivate themselves or drop their own staff flag (409)', async () => {
    const su = await superuser()
    expect((await patch(su.cookie, su.id, { isActive: false })).status).toBe(409)
    expect((await patch(su.cookie, su.id, { isStaff: false })).status).toBe(409)
    expect((await call('/api/me', { cookie: su.cookie })).status).toBe(200)
  })

  it('deactivating a user revokes their sessions and closes every socket with 4401', async () => {
    const s = await staff()
    const target = await signUp()
    const peer = await signUp()
    const chat = await openChat(target.cookie, peer.id)
    const notes = await openSocket('/api/notifications/ws', target.cookie)
    const res = await patch(s.cookie, target.id, { isActive: false })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { user: Frame }).user.isActive).toBe(false)
    expect(await chat.closed).toBe(4401)
    expect(await notes.closed).toBe(4401)
    expect((await call('/api/me', { cookie: target.cookie })).status).toBe(401)
    expect((await patch(s.cookie, target.id, { isActive: true })).status).toBe(200)
    expect((await call('/api/auth/login', { body: { email: target.email, password: target.password } })).status).toBe(
      200,
    )
  })
})

describe('admin conversations', () => {
  async function conversationWithMessages() {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const wa = await openChat(a.cookie, b.id)
    const wb = await openChat(b.cookie, a.id)
    for (const [i, body] of ['first secret', 'second secret'].entries()) {
      wa.send({ type: 'send', clientId: `adm-${i}`, body })
      await wb.next((f) => f.type === 'message' && f.message.seq === i + 1)
    }
    const { roomId, stub } = roomFor(env, a.id, b.id)
    await runDurableObjectAlarm(stub)
    return { a, b, wa, wb, roomId }
  }

  it('lists rooms with members, message count and last activity from the batched counters', async () => {
    const s = await staff()
    const { a, b, wa, wb, roomId } = await conversationWithMessages()
    const res = await call('/api/admin/conversations?page=1', { cookie: s.cookie })
    const { conversations, total } = (await res.json()) as { conversations: Frame[]; total: number }
    expect(total).toBeGreaterThanOrEqual(1)
    const room = conversations.find((r) => r.roomId === roomId)
    expect(room).toMatchObject({ messageCount: 2 })
    expect([...room!.members].sort()).toEqual([a.id, b.id].sort())
    wa.close()
    wb.close()
  })

  it('shows stored messages as ciphertext only, audits the view and tells both members', async () => {
    const s = await staff()
    const { a, b, wa, wb, roomId } = await conversationWithMessages()
    const res = await call(`/api/admin/conversations/${roomId}/messages`, { cookie: s.cookie })
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).not.toContain('secret')
    const { messages } = JSON.parse(text) as { messages: Frame[] }
    expect(messages.map((m) => m.seq)).toEqual([1, 2])
    expect(messages[0]).toMatchObject({ senderId: a.id })
    expect(messages[0]!.ciphertext).toMatch(/^gAAAAA/)
    expect(messages[0]).not.toHaveProperty('body')
    for (const ws of [wa, wb]) {
      const notice = await ws.nextOfType('notice')
      expect(notice.notice).toMatchObject({ kind: 'admin-viewed' })
    }
    const history = (await (await call(`/api/conversations/${b.id}/messages`, { cookie: a.cookie })).json()) as {
      notices: Frame[]
      messages: Frame[]
    }
    expect(history.notices).toHaveLength(1)
    expect(history.messages.map((m) => m.seq)).toEqual([1, 2])
    // At most one notice per staff member and conversation per hour; every view is audited.
    await call(`/api/admin/conversations/${roomId}/messages`, { cookie: s.cookie })
    expect(await wa.silentFor((f) => f.type === 'notice', 200)).toBe(true)
    const audit = (await (
      await call(`/api/admin/audit?actorId=${s.id}&targetId=${roomId}`, { cookie: s.cookie })
    ).json()) as {
      entries: Frame[]
    }
    expect(audit.entries).toHaveLength(2)
    expect(audit.entries[0]).toMatchObject({ action: 'conversation.view-messages', targetType: 'conversation' })
    wa.close()
    wb.close()
  })

  it('answers 404 for an unknown room', async () => {
    const s = await staff()
    expect((await call(`/api/admin/conversations/${'0'.repeat(64)}/messages`, { cookie: s.cookie })).status).toBe(404)
    expect((await call('/api/admin/conversations/nope/messages', { cookie: s.cookie })).status).toBe(404)
  })
})

describe('admin activity', () => {
  it('reports totals and one entry for each of the last 24 hours, zeros included', async () => {
    const s = await staff()
    const res = await call('/api/admin/activity', { cookie: s.cookie })
    expect(res.status).toBe(200)
    const activity = (await res.json()) as {
      totalUsers: number
      activeUsers24h: number
      totalConversations: number
      messagesPerHour: { hour: string; count: number }[]
    }
    expect(activity.totalUsers).toBeGreaterThanOrEqual(1)
    expect(activity.activeUsers24h).toBeGreaterThanOrEqual(1)
    expect(activity.messagesPerHour).toHaveLength(24)
    const last = activity.messagesPerHour.at(-1)!
    expect(last.hour).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/)
    expect(Date.now() - Date.parse(last.hour)).toBeLessThan(3600_000)
  })

  it('counts stored messages in their hour once the room has flushed its counters', async () => {
    const s = await staff()
    const before = (await (await call('/api/admin/activity', { cookie: s.cookie })).json()) as {
      messagesPerHour: { count: number }[]
    }
    const [a, b] = await Promise.all([signUp(), signUp()])
    const wa = await openChat(a.cookie, b.id)
    wa.send({ type: 'send', clientId: 'act-1', body: 'counted' })
    await wa.nextOfType('message')
    await runDurableObjectAlarm(roomFor(env, a.id, b.id).stub)
    const after = (await (await call('/api/admin/activity', { cookie: s.cookie })).json()) as {
      messagesPerHour: { count: number }[]
    }
    expect(after.messagesPerHour.at(-1)!.count).toBe(before.messagesPerHour.at(-1)!.count + 1)
    wa.close()
  })
})
