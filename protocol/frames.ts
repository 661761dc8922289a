// WebSocket frames of the chat and notifications sockets (CONTRACT.md: Chat WebSocket
// frames, Notifications), with the parser both sides trust. Imported by worker and client.
import type { Message, Peer } from './api.ts'
import { codePointLength, isWellFormedText } from './text.ts'

export const MAX_BODY_CHARS = 4000
export const MAX_CLIENT_ID_CHARS = 64
export const MAX_FRAME_BYTES = 64 * 1024
export const MAX_REPLAY_MESSAGES = 1000
/** Sent with exactly these bytes, a ping is answered without waking the room. */
export const PING_FRAME = '{"type":"ping"}'
export const PONG_FRAME = '{"type":"pong"}'

export type ClientFrame =
  | { type: 'send'; clientId: string; body: string }
  | { type: 'read'; upTo: number }
  | { type: 'typing' }
  | { type: 'viewing'; active: boolean }
  | { type: 'ping' }

export type ErrorCode = 'bad-json' | 'bad-frame' | 'body-empty' | 'body-too-long' | 'frame-too-large' | 'rate-limited'

export interface Notice {
  kind: 'admin-viewed'
  at: string
}

export interface ConversationEntry {
  peer: Peer
  lastMessage: Message | null
  unread: number
  peerReadUpTo: number
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
  | { type: 'ready'; peer: Peer; lastSeq: number; readUpTo: Record<string, number> }
  | { type: 'message'; message: Message }
  | { type: 'read'; userId: string; upTo: number; at: string }
  | { type: 'typing'; userId: string }
  | { type: 'error'; code: ErrorCode; message: string; clientId?: string }
  | { type: 'notice'; notice: Notice }
  | ClosingFrame
  | { type: 'pong' }

export type NotificationFrame =
  | { type: 'notification'; notification: NotificationEntry }
  | { type: 'unread'; total: number; byPeer: Record<string, number> }
  | { type: 'conversation'; conversation: ConversationEntry }
  | ClosingFrame
  | { type: 'pong' }

export type FrameResult =
  | { ok: true; value: ClientFrame }
  | { ok: false; code: ErrorCode; message: string; clientId?: string }

const fail = (code: ErrorCode, message: string, clientId?: string): FrameResult =>
  clientId === undefined ? { ok: false, code, message } : { ok: false, code, message, clientId }

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

function parseSend(f: Record<string, unknown>): FrameResult {
  const clientId = f.clientId
  if (typeof clientId !== 'string' || clientId.length === 0 || codePointLength(clientId) > MAX_CLIENT_ID_CHARS) {
    return fail('bad-frame', `"clientId" must be 1 to ${MAX_CLIENT_ID_CHARS} characters.`)
  }
  // A lone surrogate would be stored as U+FFFD: refused, so what is acknowledged is what is kept.
  if (!isWellFormedText(clientId)) return fail('bad-frame', '"clientId" contains a broken character.')
  if (typeof f.body !== 'string') return fail('bad-frame', '"body" must be text.', clientId)
  if (!isWellFormedText(f.body)) {
    return fail('bad-frame', 'The message contains a broken character (an unpaired surrogate).', clientId)
  }
  const body = f.body.trim()
  if (body.length === 0) return fail('body-empty', 'A message needs some text.', clientId)
  if (codePointLength(body) > MAX_BODY_CHARS) {
    return fail('body-too-long', `A message has at most ${MAX_BODY_CHARS} characters.`, clientId)
  }
  return { ok: true, value: { type: 'send', clientId, body } }
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
