// A conversation driven from Node over the real chat WebSocket, so admin tests have stored
// messages (and can hear the notice staff views send) without going through the chat UI.
import { randomUUID } from 'node:crypto'
import WebSocket from 'ws'
import type { ServerFrame } from '../../../protocol/frames.ts'
import type { Credentials } from './accounts.ts'

/** Signs in from Node and returns the session cookie for `Cookie` headers. */
export async function sessionCookie(baseUrl: string, credentials: Credentials): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(credentials),
  })
  if (res.status !== 200) throw new Error(`login answered ${res.status}: ${await res.text()}`)
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
}

export interface NodeChat {
  /** Sends a message and resolves with its seq once the server acknowledges it. */
  send(body: string): Promise<number>
  /** The next frame (already received or still to come) that matches. */
  frame(match: (frame: ServerFrame) => boolean, timeoutMs?: number): Promise<ServerFrame>
  /** Sends any frame as it is, acknowledged or not. */
  sendFrame(frame: object): void
  close(): void
}

/** Opens `cookie`'s chat socket with `peerId` and waits for its `ready` frame. */
export async function openNodeChat(baseUrl: string, cookie: string, peerId: string): Promise<NodeChat> {
  const url = `${baseUrl.replace(/^http/, 'ws')}/api/conversations/${encodeURIComponent(peerId)}/ws`
  const socket = new WebSocket(url, { headers: { cookie } })
  const seen: ServerFrame[] = []
  const waiters = new Set<{ match: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }>()
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as ServerFrame
    seen.push(frame)
    for (const waiter of waiters) {
      if (waiter.match(frame)) {
        waiters.delete(waiter)
        waiter.resolve(frame)
      }
    }
  })

  const frame = (match: (f: ServerFrame) => boolean, timeoutMs = 10_000) =>
    new Promise<ServerFrame>((resolve, reject) => {
      const earlier = seen.find(match)
      if (earlier) return resolve(earlier)
      const waiter = {
        match,
        resolve: (f: ServerFrame) => {
          clearTimeout(timer)
          resolve(f)
        },
      }
      const timer = setTimeout(() => {
        waiters.delete(waiter)
        reject(new Error(`no matching frame within ${timeoutMs} ms; saw ${JSON.stringify(seen)}`))
      }, timeoutMs)
      waiters.add(waiter)
    })

  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)))
  })
  await frame((f) => f.type === 'ready')

  return {
    frame,
    async send(body) {
      const clientId = randomUUID()
      socket.send(JSON.stringify({ type: 'send', clientId, body }))
      const ack = await frame((f) => f.type === 'message' && f.message.clientId === clientId)
      return ack.type === 'message' ? ack.message.seq : -1
    },
    sendFrame: (f) => socket.send(JSON.stringify(f)),
    close: () => socket.close(),
  }
}
