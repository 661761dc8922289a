// A socket the server closes is told why first, in a `closing` frame, because its close
// event can come seconds after the Close frame (ADR 005).
import { describe, expect, it } from 'vitest'
import { call, signUp } from './helpers/http.ts'
import { openChat, openSocket } from './helpers/socket.ts'

describe('closing frames', () => {
  it('sends a closing frame with 4401 before closing the sockets of a session that logs out', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const chat = await openChat(a.cookie, b.id)
    const notes = await openSocket('/api/notifications/ws', a.cookie)
    await notes.nextOfType('unread')
    expect((await call('/api/auth/logout', { method: 'POST', cookie: a.cookie })).status).toBe(204)
    for (const ws of [chat, notes]) {
      expect(await ws.closed).toBe(4401)
      expect(ws.frames.at(-1)).toEqual({ type: 'closing', code: 4401, reason: 'session ended' })
    }
  })

  it('sends a closing frame with 4408 before closing a flooding chat socket', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const ws = await openChat(a.cookie, b.id)
    for (let i = 0; i < 200; i++) ws.send({ type: 'typing' })
    expect(await ws.closed).toBe(4408)
    expect(ws.frames.at(-1)).toEqual({ type: 'closing', code: 4408, reason: 'closed for flooding' })
  })
})
