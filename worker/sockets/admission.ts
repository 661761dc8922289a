// Who may open one more socket in an object (a conversation's ChatRoom, or the user's
// UserInbox for the notifications socket): not a session that has ended, and not past the
// caps per session and per user (configurable, README "Limits"). Also the answers an
// object gives the upgrades it refuses.
import { Problem } from '../http/problem.ts'
import { positiveSetting } from '../limits/settings.ts'
import { closeWith } from './close.ts'
import type { EndedSessions } from './ended-sessions.ts'
import { overloadReason } from './upgrade-rate.ts'

export interface SocketLimits {
  perSession: number
  perUser: number
}

export const DEFAULT_SOCKETS_PER_SESSION = 10
export const DEFAULT_SOCKETS_PER_USER = 30

export type Admission = 'ok' | 'session-ended' | 'too-many'

export function socketLimitsOf(env: { MAX_SOCKETS_PER_SESSION?: string; MAX_SOCKETS_PER_USER?: string }): SocketLimits {
  return {
    perSession: positiveSetting(env.MAX_SOCKETS_PER_SESSION, DEFAULT_SOCKETS_PER_SESSION),
    perUser: positiveSetting(env.MAX_SOCKETS_PER_USER, DEFAULT_SOCKETS_PER_USER),
  }
}

/** Whether a socket of `sessionId` may open next to `open`, the user's open sockets here. */
export function admission(
  open: readonly { sessionId: string }[],
  sessionId: string,
  ended: EndedSessions,
  limits: SocketLimits,
): Admission {
  if (ended.has(sessionId)) return 'session-ended'
  if (open.length >= limits.perUser) return 'too-many'
  return open.filter((s) => s.sessionId === sessionId).length < limits.perSession ? 'ok' : 'too-many'
}

/** The answer to a refused upgrade. */
export function refusal(admission: Exclude<Admission, 'ok'>): Response {
  return admission === 'session-ended' ? endedSessionSocket() : tooManySockets()
}

function tooManySockets(): Response {
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
 * The answer to an upgrade the server will not take now (overload, or D1 failing): a socket
 * accepted and closed at once with 1013 (Try Again Later), the delay in its reason and in
 * the 101's Retry-After header, so the client waits that long (plus jitter) instead of
 * coming straight back, and nothing queues behind the upgrade (ADR 012). A `closing` frame
 * goes first, as for every server close (ADR 005).
 */
export function overloadedSocket(retryAfterS: number): Response {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket]
  server.accept()
  closeWith(server, 1013, overloadReason(retryAfterS))
  return new Response(null, { status: 101, webSocket: client, headers: { 'Retry-After': String(retryAfterS) } })
}
