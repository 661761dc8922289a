// Caps on sockets per session and per user, per-member send limits across sockets, and
// the notifications socket's frame-size and rate limits (issue 10 §4).
import { describe, expect, it } from 'vitest'
import { MAX_FRAME_BYTES } from '../../protocol/frames.ts'
import { DEFAULT_SOCKETS_PER_SESSION, DEFAULT_SOCKETS_PER_USER } from '../../worker/sockets/admission.ts'
import { problemOf, signIn, signUp } from './helpers/http.ts'
import { type Frame, openChat, openSocket, type TestSocket, upgrade } from './helpers/socket.ts'

const closeAll = (sockets: TestSocket[]) => {
  for (const s of sockets) s.close()
}

describe('socket caps', () => {
  it('refuses a session more chat sockets in one conversation than the cap, with 429', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const open: TestSocket[] = []
    for (let i = 0; i < DEFAULT_SOCKETS_PER_SESSION; i++) open.push(await openChat(a.cookie, b.id))
    const refused = await upgrade(`/api/conversations/${b.id}/ws`, a.cookie)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBeTruthy()
    expect((await problemOf(refused)).type).toBe('/problems/too-many-sockets')
    // A closed socket makes room again.
    open.pop()!.close()
    let again: Response | null = null
    for (let i = 0; i < 50 && again?.status !== 101; i++) {
      again = await upgrade(`/api/conversations/${b.id}/ws`, a.cookie)
      if (again.status !== 101) await new Promise((r) => setTimeout(r, 20))
    }
    expect(again!.status).toBe(101)
    again!.webSocket!.accept()
    again!.webSocket!.close()
    closeAll(open)
  })

  it('refuses a user more chat sockets in one conversation than the cap, across sessions', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const sessions = [a.cookie]
    const perSession = DEFAULT_SOCKETS_PER_SESSION
    while (sessions.length * perSession <= DEFAULT_SOCKETS_PER_USER) sessions.push(await signIn(a.email))
    const open: TestSocket[] = []
    for (let i = 0; i < DEFAULT_SOCKETS_PER_USER; i++) {
      open.push(await openChat(sessions[Math.floor(i / perSession)]!, b.id))
    }
    const fresh = sessions.at(-1)!
    expect((await upgrade(`/api/conversations/${b.id}/ws`, fresh)).status).toBe(429)
    // The other member is not affected.
    const peer = await openChat(b.cookie, a.id)
    expect(peer.ready?.type).toBe('ready')
    closeAll([...open, peer])
  })

  it('refuses a session more notifications sockets than the cap, with 429', async () => {
    const a = await signUp()
    const open: TestSocket[] = []
    for (let i = 0; i < DEFAULT_SOCKETS_PER_SESSION; i++) open.push(await openSocket('/api/notifications/ws', a.cookie))
    const refused = await upgrade('/api/notifications/ws', a.cookie)
    expect(refused.status).toBe(429)
    expect((await problemOf(refused)).type).toBe('/problems/too-many-sockets')
    closeAll(open)
  })
})

describe('send limits per member', () => {
  it('limits the sends of one member in a conversation across all their sockets', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const sockets = await Promise.all([openChat(a.cookie, b.id), openChat(a.cookie, b.id), openChat(a.cookie, b.id)])
    const perSocket = 50 // within each socket's own burst of 60
    for (let i = 0; i < perSocket; i++) {
      for (const [k, s] of sockets.entries()) s.send({ type: 'send', clientId: `s${k}-${i}`, body: `m ${k} ${i}` })
    }
    const total = perSocket * sockets.length
    // Every send gets an answer: its own message echo, or a rate-limited error naming it.
    const answers = new Map<string, Frame>()
    for (const [k, s] of sockets.entries()) {
      const mine = (f: Frame) =>
        (f.type === 'message' && f.message.clientId.startsWith(`s${k}-`)) ||
        (f.type === 'error' && String(f.clientId).startsWith(`s${k}-`))
      for (let i = 0; i < perSocket; i++) {
        const f = await s.next(mine)
        answers.set(f.type === 'message' ? f.message.clientId : f.clientId, f)
      }
    }
    expect(answers.size).toBe(total)
    const stored = [...answers.values()].filter((f) => f.type === 'message').length
    const limited = [...answers.values()].filter((f) => f.type === 'error')
    expect(limited.length).toBeGreaterThan(0)
    for (const f of limited) expect(f.code).toBe('rate-limited')
    // The member's burst (60) plus what refills while the frames arrive, far from 150.
    expect(stored).toBeLessThan(total * 0.75)
    closeAll(sockets)
  })
})

describe('notifications socket limits', () => {
  it('answers a frame over 64 KiB with frame-too-large and stays open', async () => {
    const a = await signUp()
    const ws = await openSocket('/api/notifications/ws', a.cookie)
    await ws.nextOfType('unread')
    ws.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(MAX_FRAME_BYTES) }))
    expect(await ws.nextOfType('error')).toMatchObject({ code: 'frame-too-large' })
    ws.send({ type: 'ping', x: 1 })
    expect(await ws.nextOfType('pong')).toBeTruthy()
    ws.close()
  })

  it('answers floods with rate-limited errors and then closes the socket with 4408', async () => {
    const a = await signUp()
    const ws = await openSocket('/api/notifications/ws', a.cookie)
    await ws.nextOfType('unread')
    for (let i = 0; i < 200; i++) ws.send({ type: 'ping', n: i })
    expect(await ws.nextOfType('error')).toMatchObject({ code: 'rate-limited' })
    expect(await ws.closed).toBe(4408)
  })
})
