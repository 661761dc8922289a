// WebSocket frames of the chat and notifications sockets (CONTRACT.md: Chat WebSocket
// frames, Notifications), with the parser both sides trust. Imported by worker and client.
import { type BlockState, MAX_ATTACHMENTS_PER_MESSAGE, type Message, type Peer } from './api.ts'
import { codePointLength, isWellFormedText } from './text.ts'

export const MAX_BODY_CHARS = 4000
export const MAX_CLIENT_ID_CHARS = 64
export const MAX_FRAME_BYTES = 64 * 1024
export const MAX_REPLAY_MESSAGES = 1000
export const MAX_EMOJI_CHARS = 16
/** Different emoji on one message at most. */
export const MAX_REACTIONS_PER_MESSAGE = 20
/** The quick set clients offer; any other emoji is allowed too. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'] as const
/** Sent with exactly these bytes, a ping is answered without waking the room. */
export const PING_FRAME = '{"type":"ping"}'
export const PONG_FRAME = '{"type":"pong"}'

export type ClientFrame =
  | { type: 'send'; clientId: string; body: string; replyTo?: number; attachments?: string[] }
  | { type: 'edit'; seq: number; body: string }
  | { type: 'delete'; seq: number }
  | { type: 'react'; seq: number; emoji: string; on: boolean }
  | { type: 'read'; upTo: number }
  | { type: 'typing' }
  | { type: 'viewing'; active: boolean }
  | { type: 'ping' }

export type ErrorCode =
  | 'bad-json'
  | 'bad-frame'
  | 'body-empty'
  | 'body-too-long'
  | 'frame-too-large'
  | 'rate-limited'
  | 'bad-reply'
  | 'bad-attachment'
  | 'not-found'
  | 'not-allowed'
  | 'blocked'

export interface Notice {
  kind: 'admin-viewed'
  at: string
}

export interface ConversationEntry {
  peer: Peer
  lastMessage: Message | null
  unread: number
  /** 0 while either member has read receipts off. */
  peerReadUpTo: number
  /** CONTRACT.md: Blocking. While not 'none', sends, edits and reactions get `blocked`. */
  blocked: BlockState
}

export interface NotificationEntry {
  id: string
  kind: 'message'
  peer: Peer
  seq: number
  preview: string
  createdAt: string
  read: boolean
}

/**
 * Sent just before the server closes a socket with `code` (4401, 4403, 4408): the client acts
 * on it at once, since the close event itself can come seconds later (ADR 005).
 */
export interface ClosingFrame {
  type: 'closing'
  code: number
  reason: string
}

export type ServerFrame =
  | {
      type: 'ready'
      peer: Peer
      lastSeq: number
      lastRev: number
      readUpTo: Record<string, number>
      deliveredUpTo: Record<string, number>
      /** Parley's addition: false while either member has read receipts off. */
      readReceipts: boolean
      /** Parley's addition: how long after sending its sender may edit a message (EDIT_WINDOW_SECONDS). */
      editWindowSeconds: number
      /** Parley's addition: the largest file one attachment may be (ATTACHMENT_MAX_BYTES). */
      maxAttachmentBytes: number
      /** Parley's addition (CONTRACT.md: Blocking): whether either member blocked the other, from this member's side. */
      blocked: BlockState
    }
  | { type: 'message'; message: Message }
  | { type: 'update'; message: Message }
  | { type: 'read'; userId: string; upTo: number; at: string }
  | { type: 'delivered'; userId: string; upTo: number; at: string }
  /** Parley's addition: read receipts were switched, by either member; `readUpTo` as `ready` has it now. */
  | { type: 'receipts'; readReceipts: boolean; readUpTo: Record<string, number> }
  | { type: 'typing'; userId: string }
  /** Parley's addition: a block began or ended; `blocked` as `ready` has it now, from this member's side. */
  | { type: 'blocked'; blocked: BlockState }
  | { type: 'error'; code: ErrorCode; message: string; clientId?: string; seq?: number }
  | { type: 'notice'; notice: Notice }
  | ClosingFrame
  | { type: 'pong' }

export type NotificationFrame =
  | { type: 'notification'; notification: NotificationEntry }
  /** Parley's addition: the message behind a notification was deleted; the notification is gone. */
  | { type: 'notification-removed'; id: string; peerId: string; seq: number }
  | { type: 'unread'; total: number; byPeer: Record<string, number> }
  | { type: 'conversation'; conversation: ConversationEntry }
  | ClosingFrame
  | { type: 'pong' }

export type FrameResult =
  | { ok: true; value: ClientFrame }
  | { ok: false; code: ErrorCode; message: string; clientId?: string; seq?: number }

const fail = (code: ErrorCode, message: string, clientId?: string): FrameResult =>
  clientId === undefined ? { ok: false, code, message } : { ok: false, code, message, clientId }

/** An error about an edit, delete or react frame carries its seq. */
const failAt = (code: ErrorCode, message: string, seq: number): FrameResult => ({ ok: false, code, message, seq })

const utf8 = new TextDecoder()

/** Never throws: every input becomes a frame or an error the socket can report. */
export function parseClientFrame(raw: string | ArrayBuffer): FrameResult {
  const size = typeof raw === 'string' ? utf8Length(raw) : raw.byteLength
  if (size > MAX_FRAME_BYTES) return fail('frame-too-large', `Frames are limited to ${MAX_FRAME_BYTES / 1024} KiB.`)
  let data: unknown
  try {
    data = JSON.parse(typeof raw === 'string' ? raw : utf8.decode(raw))
  } catch {
    return fail('bad-json', 'The frame is not valid JSON.')
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return fail('bad-frame', 'A frame is a JSON object with a "type".')
  }
  const f = data as Record<string, unknown>
  switch (f.type) {
    case 'send':
      return parseSend(f)
    case 'edit':
    case 'delete':
    case 'react':
      return parseChange(f)
    case 'read':
      if (typeof f.upTo !== 'number' || !Number.isSafeInteger(f.upTo) || f.upTo < 0) {
        return fail('bad-frame', '"upTo" must be a whole number of at least 0.')
      }
      return { ok: true, value: { type: 'read', upTo: f.upTo } }
    case 'typing':
      return { ok: true, value: { type: 'typing' } }
    case 'viewing':
      if (typeof f.active !== 'boolean') return fail('bad-frame', '"active" must be true or false.')
      return { ok: true, value: { type: 'viewing', active: f.active } }
    case 'ping':
      return { ok: true, value: { type: 'ping' } }
    default:
      return fail('bad-frame', `Unknown frame type ${JSON.stringify(String(f.type)).slice(0, 80)}.`)
  }
}

const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1

/** A body as `send` takes it: trimmed, 1..MAX_BODY_CHARS code points, well formed. */
function parseBody(raw: unknown): { ok: true; body: string } | { ok: false; code: ErrorCode; message: string } {
  if (typeof raw !== 'string') return { ok: false, code: 'bad-frame', message: '"body" must be text.' }
  if (!isWellFormedText(raw)) {
    return { ok: false, code: 'bad-frame', message: 'The message contains a broken character (an unpaired surrogate).' }
  }
  const body = raw.trim()
  if (body.length === 0) return { ok: false, code: 'body-empty', message: 'A message needs some text.' }
  if (codePointLength(body) > MAX_BODY_CHARS) {
    return { ok: false, code: 'body-too-long', message: `A message has at most ${MAX_BODY_CHARS} characters.` }
  }
  return { ok: true, body }
}

/** An emoji as a reaction: 1..MAX_EMOJI_CHARS code points, no whitespace or invisible characters. */
export function emojiProblem(emoji: unknown): string | null {
  if (typeof emoji !== 'string' || emoji.length === 0 || codePointLength(emoji) > MAX_EMOJI_CHARS) {
    return `"emoji" must be 1 to ${MAX_EMOJI_CHARS} characters.`
  }
  if (!isWellFormedText(emoji) || /[\s\p{Cc}]/u.test(emoji)) return '"emoji" must have no spaces or control characters.'
  return null
}

function parseChange(f: Record<string, unknown>): FrameResult {
  if (!isSeq(f.seq)) return fail('bad-frame', '"seq" must be the whole number of a message, 1 or more.')
  const seq = f.seq
  if (f.type === 'delete') return { ok: true, value: { type: 'delete', seq } }
  if (f.type === 'edit') {
    const body = parseBody(f.body)
    if (!body.ok) return failAt(body.code, body.message, seq)
    return { ok: true, value: { type: 'edit', seq, body: body.body } }
  }
  const problem = emojiProblem(f.emoji)
  if (problem) return failAt('bad-frame', problem, seq)
  if (typeof f.on !== 'boolean') return failAt('bad-frame', '"on" must be true or false.', seq)
  return { ok: true, value: { type: 'react', seq, emoji: f.emoji as string, on: f.on } }
}

function parseSend(f: Record<string, unknown>): FrameResult {
  const clientId = f.clientId
  if (typeof clientId !== 'string' || clientId.length === 0 || codePointLength(clientId) > MAX_CLIENT_ID_CHARS) {
    return fail('bad-frame', `"clientId" must be 1 to ${MAX_CLIENT_ID_CHARS} characters.`)
  }
  // A lone surrogate would be stored as U+FFFD: refused, so what is acknowledged is what is kept.
  if (!isWellFormedText(clientId)) return fail('bad-frame', '"clientId" contains a broken character.')
  const attachments = parseAttachmentIds(f.attachments)
  if (attachments === null) {
    return fail(
      'bad-attachment',
      `"attachments" must be a list of at most ${MAX_ATTACHMENTS_PER_MESSAGE} different ids of your uploads.`,
      clientId,
    )
  }
  // With attachments the body may be empty (or left out).
  const raw = f.body === undefined && attachments.length > 0 ? '' : f.body
  const body =
    attachments.length > 0 && typeof raw === 'string' && raw.trim() === ''
      ? ({ ok: true, body: '' } as const)
      : parseBody(raw)
  if (!body.ok) return fail(body.code, body.message, clientId)
  if (f.replyTo !== undefined && f.replyTo !== null && !isSeq(f.replyTo)) {
    return fail('bad-reply', '"replyTo" must be the seq of a message in this conversation.', clientId)
  }
  const replyTo = typeof f.replyTo === 'number' ? f.replyTo : undefined
  return {
    ok: true,
    value: {
      type: 'send',
      clientId,
      body: body.body,
      ...(replyTo ? { replyTo } : {}),
      ...(attachments.length > 0 ? { attachments } : {}),
    },
  }
}

/** Null when the list is malformed: not a list, too long, repeated or non-id entries. */
function parseAttachmentIds(raw: unknown): string[] | null {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw) || raw.length > MAX_ATTACHMENTS_PER_MESSAGE) return null
  if (!raw.every((id) => typeof id === 'string' && /^[0-9a-f]{1,128}$/.test(id))) return null
  return new Set(raw).size === raw.length ? (raw as string[]) : null
}

/** Bytes of `text` as UTF-8. */
export function utf8Length(text: string): number {
  // Cheap upper bound first: most frames are far below the limit.
  if (text.length * 3 <= MAX_FRAME_BYTES) return text.length
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4 // a surrogate pair: one 4-byte code point
      i++
    } else bytes += 3
  }
  return bytes
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`)
}
