// Changes to stored messages (CONTRACT.md: edit, delete, react) as the client queues them:
// which are offered, when the server's state already shows one (so it is done, or need not
// be sent), how a message looks before the server confirms, and what to tell the person
// when one is refused. Pure: no DOM, no store.
import type { Attachment, Message, ReplyQuote } from '../../../protocol/api.ts'
import { type ErrorCode, MAX_REACTIONS_PER_MESSAGE } from '../../../protocol/frames.ts'
import { quotePreview } from './attachment-rules.ts'

/**
 * The contract's default edit window (CONTRACT.md: `edit`), until `ready` says what the server's
 * is (editWindowSeconds); past it the action is not offered.
 */
export const EDIT_WINDOW_MS = 24 * 60 * 60 * 1000

/** "24 hours", "15 minutes", "30 seconds": the window as the refusal states it. */
export function describeWindow(ms: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return unit(ms / 3_600_000, 'hour')
  if (ms >= 60_000 && ms % 60_000 === 0) return unit(ms / 60_000, 'minute')
  return unit(Math.max(1, Math.round(ms / 1000)), 'second')
}

export type ChangeRequest =
  | { type: 'edit'; seq: number; body: string }
  | { type: 'delete'; seq: number }
  | { type: 'react'; seq: number; emoji: string; on: boolean }

export interface PendingChange {
  id: string
  change: ChangeRequest
  createdAt: string
  /** `sending`: on the wire, waiting for the server's `update` or `error`. */
  status: 'queued' | 'sending'
}

/** What these rules read of a message: a stored one, or the client's copy of one. */
export interface MessageFacts {
  seq: number | null
  senderId: string
  sentAt: string
  body: string
  deletedAt?: string | undefined
  editedAt?: string | undefined
  reactions?: Record<string, string[]> | undefined
  replyTo?: ReplyQuote | undefined
  unreadable?: true | undefined
  attachments?: Attachment[] | undefined
}

const stored = (m: MessageFacts) => m.seq !== null && !m.deletedAt

export function canEdit(m: MessageFacts, me: string, now = Date.now(), windowMs = EDIT_WINDOW_MS): boolean {
  return stored(m) && m.senderId === me && !m.unreadable && now - Date.parse(m.sentAt) < windowMs
}

export const canDelete = (m: MessageFacts, me: string) => stored(m) && m.senderId === me
export const canReact = (m: MessageFacts) => stored(m)
// A quote of a message no key opens would say nothing.
export const canReply = (m: MessageFacts) => stored(m) && !m.unreadable

export function hasReacted(m: Pick<MessageFacts, 'reactions'>, emoji: string, me: string): boolean {
  return m.reactions?.[emoji]?.includes(me) ?? false
}

/** Whether `m` already is as the change would leave it: then it is done, or need not be sent. */
export function isInEffect(change: ChangeRequest, m: MessageFacts, me: string): boolean {
  switch (change.type) {
    case 'edit':
      return !m.deletedAt && m.body === change.body
    case 'delete':
      return Boolean(m.deletedAt)
    case 'react':
      return hasReacted(m, change.emoji, me) === change.on
  }
}

/** `reactions` with `me` added to or removed from `emoji`; undefined once none are left. */
export function withReaction(
  reactions: Record<string, string[]> | undefined,
  emoji: string,
  me: string,
  on: boolean,
): Record<string, string[]> | undefined {
  const next: Record<string, string[]> = {}
  let placed = false
  for (const [e, ids] of Object.entries(reactions ?? {})) {
    const kept = e === emoji ? (on ? (ids.includes(me) ? ids : [...ids, me]) : ids.filter((id) => id !== me)) : ids
    if (e === emoji) placed = true
    if (kept.length > 0) next[e] = kept
  }
  if (on && !placed) next[emoji] = [me]
  return Object.keys(next).length > 0 ? next : undefined
}

export interface ShownMessage {
  body: string
  deletedAt: string | undefined
  editedAt: string | undefined
  reactions: Record<string, string[]> | undefined
  replyTo: ReplyQuote | undefined
  /** None once deleted, as the server will have it. */
  attachments: Attachment[] | undefined
  /** Some change the person made is not confirmed by the server yet. */
  changePending: boolean
}

/** The message as the person expects it: the server's state with their unconfirmed changes applied, in order. */
export function showWithChanges(m: MessageFacts, changes: readonly PendingChange[], me: string): ShownMessage {
  const shown: ShownMessage = {
    body: m.body,
    deletedAt: m.deletedAt,
    editedAt: m.editedAt,
    reactions: m.reactions,
    replyTo: m.replyTo,
    attachments: m.attachments,
    changePending: false,
  }
  for (const { change, createdAt } of changes) {
    if (change.seq !== m.seq || isInEffect(change, { ...m, ...shown }, me)) continue
    shown.changePending = true
    if (change.type === 'edit') {
      shown.body = change.body
      shown.editedAt = createdAt
    } else if (change.type === 'delete') {
      Object.assign(shown, {
        body: '',
        deletedAt: createdAt,
        reactions: undefined,
        replyTo: undefined,
        attachments: undefined,
      })
    } else shown.reactions = withReaction(shown.reactions, change.emoji, me, change.on)
  }
  return shown
}

/**
 * Adds a change to the queue, folding it into one still waiting there: a second edit replaces
 * the first, a reaction taken back cancels it, a delete makes waiting edits and reactions moot.
 * Changes already on the wire are never touched.
 */
export function queueChange(queue: readonly PendingChange[], next: PendingChange): PendingChange[] {
  const c = next.change
  const waiting = (p: PendingChange) => p.status === 'queued' && p.change.seq === c.seq
  if (c.type === 'react') {
    const opposite = queue.findLastIndex(
      (p) => waiting(p) && p.change.type === 'react' && p.change.emoji === c.emoji && p.change.on !== c.on,
    )
    if (opposite >= 0) return queue.filter((_, i) => i !== opposite)
    return [...queue, next]
  }
  if (c.type === 'edit') return [...queue.filter((p) => !(waiting(p) && p.change.type === 'edit')), next]
  return [...queue.filter((p) => !(waiting(p) && p.change.type !== 'delete')), next]
}

/**
 * The quote a reply shows of `m`, as the server computes it: "" once `m` is deleted; what its
 * files are ("📷 Photo") when it has no text.
 */
export function quoteOf(
  m: Pick<Message, 'seq' | 'senderId' | 'body' | 'deletedAt'> & {
    attachments?: readonly Pick<Attachment, 'name' | 'type'>[] | undefined
  },
): ReplyQuote {
  return { seq: m.seq, senderId: m.senderId, preview: m.deletedAt ? '' : quotePreview(m) }
}

const WHAT: Record<ChangeRequest['type'], string> = {
  edit: 'Your edit was not saved',
  delete: 'The message was not deleted',
  react: 'Your reaction was not changed',
}

/** A polite sentence for a change the server refused (an `error` frame carrying its `seq`). */
export function describeChangeError(
  change: ChangeRequest,
  code: ErrorCode,
  serverText: string,
  target: Pick<MessageFacts, 'deletedAt'> | undefined,
  windowMs = EDIT_WINDOW_MS,
): string {
  const why = (() => {
    switch (code) {
      case 'not-allowed':
        if (target?.deletedAt) return 'that message was deleted.'
        if (change.type === 'edit') return `you can only edit a message for ${describeWindow(windowMs)}.`
        if (change.type === 'react')
          return `a message can have at most ${MAX_REACTIONS_PER_MESSAGE} different reactions.`
        return 'you can only delete your own messages.'
      case 'not-found':
        return 'that message is no longer there.'
      case 'blocked':
        return 'one of you has blocked the other.'
      case 'body-empty':
        return 'a message needs some text.'
      default:
        return serverText ? `${serverText.charAt(0).toLowerCase()}${serverText.slice(1)}` : 'please try again.'
    }
  })()
  return `${WHAT[change.type]}: ${why}`
}
