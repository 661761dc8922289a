import { env, runDurableObjectAlarm } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { roomFor } from '../../worker/rooms/room-key.ts'
import { call, problemOf, type SignedUp, signUp } from './helpers/http.ts'
import { openChat } from './helpers/socket.ts'

/** What a browser sends on a top-level navigation to the route, e.g. a link on another site. */
const navigation = (site: string) => ({
  'sec-fetch-site': site,
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
  'sec-fetch-user': '?1',
})

async function staffWithRoom(): Promise<{ staff: SignedUp; a: SignedUp; b: SignedUp; roomId: string }> {
  const [staff, a, b] = await Promise.all([signUp(), signUp(), signUp()])
  await env.DB.prepare('update users set is_staff = 1 where id = ?').bind(staff.id).run()
  const wa = await openChat(a.cookie, b.id)
  wa.send({ type: 'send', clientId: 'fm-1', body: 'hello' })
  await wa.nextOfType('message')
  const { roomId, stub } = roomFor(env, a.id, b.id)
  await runDurableObjectAlarm(stub)
  wa.close()
  return { staff, a, b, roomId }
}

async function noticesSeenBy(member: SignedUp, peer: SignedUp): Promise<number> {
  const res = await call(`/api/conversations/${peer.id}/messages`, { cookie: member.cookie })
  return ((await res.json()) as { notices: unknown[] }).notices.length
}

async function auditCount(actorId: string): Promise<number> {
  const row = await env.DB.prepare('select count(*) as n from audit_log where actor_id = ?')
    .bind(actorId)
    .first<{ n: number }>()
  return row?.n ?? 0
}

describe('fetch metadata', () => {
  it('refuses a cross-site navigation to the staff view of stored messages and audits nothing', async () => {
    const { staff, a, b, roomId } = await staffWithRoom()
    const res = await call(`/api/admin/conversations/${roomId}/messages`, {
      cookie: staff.cookie,
      headers: navigation('cross-site'),
    })
    expect(res.status).toBe(403)
    expect((await problemOf(res)).detail).toMatch(/other sites/)
    expect(await auditCount(staff.id)).toBe(0)
    expect(await noticesSeenBy(a, b)).toBe(0)
  })

  it('refuses any cross-site request to the API, reads and writes alike', async () => {
    const me = await signUp()
    const headers = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' }
    expect((await call('/api/me', { cookie: me.cookie, headers })).status).toBe(403)
    expect((await call('/api/health', { headers })).status).toBe(403)
    const write = await call('/api/me', { method: 'PATCH', cookie: me.cookie, body: { firstName: 'X' }, headers })
    expect(write.status).toBe(403)
    const after = (await (await call('/api/me', { cookie: me.cookie })).json()) as { user: { firstName: string } }
    expect(after.user.firstName).toBe('')
  })

  it.each([
    ['same-origin', { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' }],
    ['none (typed into the address bar)', navigation('none')],
    ['no Fetch Metadata (a command-line client)', {}],
  ])('lets staff view stored messages with %s, audited', async (_, headers) => {
    const { staff, a, b, roomId } = await staffWithRoom()
    const res = await call(`/api/admin/conversations/${roomId}/messages`, { cookie: staff.cookie, headers })
    expect(res.status).toBe(200)
    expect(await auditCount(staff.id)).toBe(1)
    expect(await noticesSeenBy(a, b)).toBe(1)
  })
})
