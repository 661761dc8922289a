// Who may change which message, and when (CONTRACT.md: edit, delete, react, replyTo).
// Pure: the room looks the rows up and applies what passes.
import { type ErrorCode, MAX_REACTIONS_PER_MESSAGE } from '../../protocol/frames.ts'
import type { Env } from '../env.ts'
import type { MessageRow } from './message-log.ts'

export interface Refusal {
  code: ErrorCode
  message: string
}

export const DEFAULT_EDIT_WINDOW_SECONDS = 24 * 3600

/** EDIT_WINDOW_SECONDS: how long after sending a message its sender may edit it. */
export function editWindowMsOf(env: Env): number {
  const n = Number(env.EDIT_WINDOW_SECONDS)
  return (Number.isFinite(n) && n > 0 ? n : DEFAULT_EDIT_WINDOW_SECONDS) * 1000
}

function describeWindow(ms: number): string {
  const hours = ms / 3600_000
  if (hours >= 1 && Number.isInteger(hours)) return hours === 1 ? '1 hour' : `${hours} hours`
  const minutes = Math.max(1, Math.round(ms / 60_000))
  return minutes === 1 ? '1 minute' : `${minutes} minutes`
}

/** CONTRACT.md: Blocking. Either member's block stops sends, edits and reactions from both; deleting still works. */
export const BLOCKED: Refusal = {
  code: 'blocked',
  message: 'Messages, edits and reactions are off in this conversation while one of you has blocked the other.',
}

const notFound = (seq: number): Refusal => ({
  code: 'not-found',
  message: `There is no message ${seq} in this conversation.`,
})

export function refuseEdit(
  row: MessageRow | undefined,
  seq: number,
  userId: string,
  now: number,
  windowMs: number,
): Refusal | null {
  if (!row) return notFound(seq)
  if (row.sender_id !== userId) return { code: 'not-allowed', message: 'You can only edit your own messages.' }
  if (row.deleted_at) return { code: 'not-allowed', message: 'A deleted message cannot be edited.' }
  if (now - Date.parse(row.sent_at) > windowMs) {
    return { code: 'not-allowed', message: `Messages can be edited for ${describeWindow(windowMs)} after sending.` }
  }
  return null
}

export function refuseDelete(row: MessageRow | undefined, seq: number, userId: string): Refusal | null {
  if (!row) return notFound(seq)
  if (row.sender_id !== userId) return { code: 'not-allowed', message: 'You can only delete your own messages.' }
  return null
}

export function refuseReact(
  row: MessageRow | undefined,
  seq: number,
  on: boolean,
  emoji: { count: number; has: boolean },
): Refusal | null {
  if (!row) return notFound(seq)
  if (row.deleted_at) return { code: 'not-allowed', message: 'A deleted message cannot take reactions.' }
  if (on && !emoji.has && emoji.count >= MAX_REACTIONS_PER_MESSAGE) {
    return {
      code: 'not-allowed',
      message: `A message can have at most ${MAX_REACTIONS_PER_MESSAGE} different reactions.`,
    }
  }
  return null
}

export function refuseReply(row: MessageRow | undefined): Refusal | null {
  if (!row) return { code: 'bad-reply', message: 'The message you are replying to is not in this conversation.' }
  if (row.deleted_at) return { code: 'bad-reply', message: 'The message you are replying to was deleted.' }
  return null
}
