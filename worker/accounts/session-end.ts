// When sessions end (logout, revocation, password change, deactivation) the user's inbox
// must hear of it before the Worker answers: it answers every later request's session
// check (SessionGate, ADR 010), and it knows where the sessions' WebSockets are open, which
// close with 4401. The same goes for any change to the user's row it keeps (`userChanged`).
import type { Env } from '../env.ts'
import { inboxOf } from '../inbox/inbox-key.ts'

/** `sessionIds` null means every session of the user. */
export async function endSessions(env: Env, userId: string, sessionIds: string[] | null): Promise<void> {
  if (sessionIds !== null && sessionIds.length === 0) return
  await inboxOf(env, userId).endSessions(userId, sessionIds)
}

/** The user's row changed in D1 (names, roles, settings): awaited, so the next request sees it. */
export async function userChanged(env: Env, userId: string): Promise<void> {
  await inboxOf(env, userId).userChanged()
}
