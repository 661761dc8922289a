// Sessions that end must end everywhere at once, including upgrades still on their way
// (issue 10 §2): whichever object hears of the end first refuses the socket with 4401.
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { inboxOf } from '../../worker/inbox/inbox-key.ts'
import { roomFor } from '../../worker/rooms/room-key.ts'
import { call, signIn, signUp } from './helpers/http.ts'
import { openChat, openSocket, TestSocket, upgrade } from './helpers/socket.ts'

async function currentSessionId(cookie: string): Promise<string> {
  const res = await call('/api/me/sessions', { cookie })
  const { sessions } = (await res.json()) as { sessions: { id: string; current: boolean }[] }
  return sessions.find((s) => s.current)!.id
}

describe('ending a session while its upgrades are on the way', () => {
  it('refuses a chat upgrade with 401 when the end reached the inbox before D1', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const sessionId = await currentSessionId(a.cookie)
    // The end has reached the inbox, which answers the Worker's session check (ADR 010);
    // the D1 row is not revoked yet.
    await inboxOf(env, a.id).endSessions(a.id, [sessionId])
    const res = await upgrade(`/api/conversations/${b.id}/ws`, a.cookie)
    expect(res.status).toBe(401)
    expect(res.webSocket).toBeNull()
  })

  it('closes a chat socket with 4401 when the end reached the room before the upgrade', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const sessionId = await currentSessionId(a.cookie)
    await roomFor(env, a.id, b.id).stub.closeSessions(a.id, [sessionId])
    const ws = await openSocket(`/api/conversations/${b.id}/ws`, a.cookie)
    expect(await ws.closed).toBe(4401)
    expect(ws.frames).toEqual([])
  })

  it('refuses a notifications upgrade with 401 when the end reached the inbox before D1', async () => {
    const a = await signUp()
    const sessionId = await currentSessionId(a.cookie)
    await inboxOf(env, a.id).endSessions(a.id, [sessionId])
    const res = await upgrade('/api/notifications/ws', a.cookie)
    expect(res.status).toBe(401)
    expect(res.webSocket).toBeNull()
  })

  it('closes with 4401 an upgrade the Worker admitted just before the end reached the inbox', async () => {
    const a = await signUp()
    const sessionId = await currentSessionId(a.cookie)
    // The Worker's session check passed; the end then reaches the inbox before the upgrade
    // the Worker forwards does.
    const inbox = inboxOf(env, a.id)
    expect(await inbox.checkSession(a.id, sessionId)).not.toBeNull()
    await inbox.endSessions(a.id, [sessionId])
    const res = await inbox.fetch(
      new Request('https://inbox/ws', {
        headers: { upgrade: 'websocket', 'x-parley-session': sessionId, 'x-parley-user': a.id },
      }),
    )
    const ws = new TestSocket(res.webSocket!)
    expect(await ws.closed).toBe(4401)
    expect(ws.frames).toEqual([])
  })

  it('keeps the other sessions of the user connected', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const other = await signIn(a.email)
    await inboxOf(env, a.id).endSessions(a.id, [await currentSessionId(a.cookie)])
    const ws = await openChat(other, b.id)
    expect(ws.ready?.type).toBe('ready')
    expect(ws.closeCode).toBeNull()
    ws.close()
  })

  it('leaves no socket of a session open when it logs out in the middle of 80 upgrades', async () => {
    // Spread over conversations, so no upgrade meets the per-session socket cap.
    const [a, ...peers] = await Promise.all(Array.from({ length: 9 }, () => signUp()))
    const s2 = await signIn(a!.email)
    const upgrades: Promise<Response>[] = []
    let logout: Promise<Response> | null = null
    for (let i = 0; i < 80; i++) {
      upgrades.push(upgrade(`/api/conversations/${peers[i % peers.length]!.id}/ws`, s2))
      if (i % 8 === 0) upgrades.push(upgrade('/api/notifications/ws', s2))
      if (i === 40) logout = call('/api/auth/logout', { method: 'POST', cookie: s2 })
      await new Promise((r) => setTimeout(r, 2))
    }
    expect((await logout!).status).toBe(204)
    const responses = await Promise.all(upgrades)
    const sockets = responses.filter((r) => r.status === 101).map((r) => new TestSocket(r.webSocket!))
    for (const r of responses) expect([101, 401]).toContain(r.status)
    expect(sockets.length).toBeGreaterThan(0)
    const codes = await Promise.all(
      sockets.map((s) =>
        Promise.race([s.closed, new Promise<string>((r) => setTimeout(() => r('still open after 5 s'), 5000))]),
      ),
    )
    expect(new Set(codes)).toEqual(new Set([4401]))
  })
})
