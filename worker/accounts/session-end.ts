// When sessions end (logout, revocation, password change, deactivation) their open
// WebSockets must close with 4401. The user's inbox object knows where they are open.
import type { Env } from '../env.ts'
import { inboxOf } from '../inbox/inbox-key.ts'

/** `sessionIds` null means every session of the user. */
export async function endSessions(env: Env, userId: string, sessionIds: string[] | null): Promise<void> {
  if (sessionIds !== null && sessionIds.length === 0) return
  await inboxOf(env, userId).endSessions(userId, sessionIds)
}
