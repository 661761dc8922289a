// Blocking from an open conversation (CONTRACT.md: Blocking): the request, then the state the
// composer and the message actions follow. The room's `blocked` frame usually arrives before
// the answer; the conversation list's entries (notifications socket) keep it current too.
import { createEffect, on } from 'solid-js'
import { ApiError } from '../api.ts'
import { inbox } from '../notifications/inbox-store.ts'
import { blockPerson, unblockPerson } from './blocks-api.ts'
import type { ChatSession } from './chat-session.ts'

/** Blocks or unblocks the peer; false (with the reason on the status line) when it failed. */
export async function changeBlock(chat: ChatSession, block: boolean): Promise<boolean> {
  const { state, setState } = chat.store
  try {
    await (block ? blockPerson(chat.peerId) : unblockPerson(chat.peerId))
  } catch (err) {
    setState(
      'actionProblem',
      err instanceof ApiError ? err.problem.detail : 'That did not work. Please check your connection and try again.',
    )
    return false
  }
  // One's own block is certain; after an unblock the peer's block may remain, and the room says so.
  if (block) setState('blocked', 'by-me')
  else if (state.blocked === 'by-me') setState('blocked', 'none')
  return true
}

/** While the conversation is on screen, a change in its list entry's `blocked` applies here too. */
export function followListedBlock(chat: ChatSession): void {
  createEffect(
    on(
      () => inbox.conversations.find((c) => c.id === chat.peerId)?.blocked,
      (blocked) => {
        if (blocked) chat.store.setState('blocked', blocked)
      },
      { defer: true },
    ),
  )
}
