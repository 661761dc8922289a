// Each user has one UserInbox, named by the user id.
import type { Env } from '../env.ts'

export function inboxOf(env: Env, userId: string) {
  return env.USER_INBOX.get(env.USER_INBOX.idFromName(userId))
}
