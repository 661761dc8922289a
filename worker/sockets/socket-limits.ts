// How many sockets one session and one user may hold open in one object (a conversation's
// ChatRoom, or the user's UserInbox for the notifications socket), and the answers for the
// sockets an object refuses. Configurable (README "Limits").
import { Problem } from '../http/problem.ts'

export interface SocketLimits {
  perSession: number
  perUser: number
}

export const DEFAULT_SOCKETS_PER_SESSION = 10
export const DEFAULT_SOCKETS_PER_USER = 30

const positive = (v: string | undefined, fallback: number) => {
  const n = Number(v)
  return Number.isSafeInteger(n) && n > 0 ? n : fallback
}

export function socketLimitsOf(env: { MAX_SOCKETS_PER_SESSION?: string; MAX_SOCKETS_PER_USER?: string }): SocketLimits {
  return {
    perSession: positive(env.MAX_SOCKETS_PER_SESSION, DEFAULT_SOCKETS_PER_SESSION),
    perUser: positive(env.MAX_SOCKETS_PER_USER, DEFAULT_SOCKETS_PER_USER),
  }
}

/**
 * Whether another socket fits, given the open ones of this user (with their sessions).
 * Sockets that are closing do not count.
 */
export function socketFits(open: { sessionId: string }[], sessionId: string, limits: SocketLimits): boolean {
  if (open.length >= limits.perUser) return false
  return open.filter((s) => s.sessionId === sessionId).length < limits.perSession
}

export function tooManySockets(): Response {
  return new Problem(
    429,
    'too-many-sockets',
    'Too many connections are open for this account here. Close some tabs or devices and try again.',
    undefined,
    { 'Retry-After': '10' },
  ).toResponse()
}

/**
 * The answer to an upgrade of a session that has ended: a socket closed at once with 4401,
 * so the client handles it exactly like a session that ends while connected.
 */
export function endedSessionSocket(): Response {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket]
  server.accept()
  server.close(4401, 'session ended')
  return new Response(null, { status: 101, webSocket: client })
}

/**
 * Forwards an upgrade to its object. A refusal it answers (429, 4xx) is copied, since a
 * response from a stub has immutable headers and the Worker adds its security headers.
 */
export async function forwardUpgrade(stub: { fetch(request: Request): Promise<Response> }, request: Request) {
  const res = await stub.fetch(request)
  return res.status === 101 ? res : new Response(res.body, res)
}
