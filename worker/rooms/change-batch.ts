// One group commit's frames applied to the log in arrival order, inside its transaction:
// sends, edits, deletions and reactions, each checked against the rules first. Returns what
// the room must do once the batch is durable; nothing here touches sockets or memory caches.
import type { ClientFrame, ServerFrame } from '../../protocol/frames.ts'
import { BLOCKED, type Refusal, refuseDelete, refuseEdit, refuseReact, refuseReply } from './change-rules.ts'
import type { MessageLog, MessageRow, NewMessage } from './message-log.ts'
import type { AttachmentRow, RoomAttachments } from './room-attachments.ts'

export type ChangeFrame = Extract<ClientFrame, { type: 'send' | 'edit' | 'delete' | 'react' }>

export interface PendingChange {
  ws: WebSocket
  userId: string
  sessionId: string
  frame: ChangeFrame
  /** The encrypted body of a send or an edit. */
  token?: string
}

export interface BatchContext {
  log: MessageLog
  attachments: RoomAttachments
  peerOf(userId: string): string
  /** A session that ended while its frame waited for the commit changes nothing. */
  isEnded(sessionId: string): boolean
  /** Whether the recipient is looking at the conversation: then a message owes no notification. */
  viewing(userId: string): boolean
  /** Either member blocked the other: sends, edits and reactions are refused (CONTRACT.md: Blocking). */
  blocked: boolean
  /** The current plaintext of a message, if the room has it: an edit to the same text changes nothing. */
  bodyOf(seq: number): string | null | undefined
  editWindowMs: number
  at: string
  now: number
}

export interface BatchEffects {
  /** New messages, in seq order. */
  stored: MessageRow[]
  /** Messages changed by an edit, deletion or reaction (not new in this batch), by seq. */
  changed: Set<number>
  /** New plaintexts, by seq (sends and edits). */
  bodies: Map<number, string>
  deleted: Set<number>
  /** Recipients owed a notification, with the newest seq that owes it. */
  owed: Map<string, number>
  /** Attachments of deleted messages: their rows are gone, the room removes the bytes. */
  destroyed: AttachmentRow[]
  /** A retry of a stored message: the original goes to the retrying socket only. */
  retried: { ws: WebSocket; row: MessageRow }[]
  errors: { ws: WebSocket; frame: ServerFrame }[]
}

export function applyBatch(ctx: BatchContext, batch: readonly PendingChange[]): BatchEffects {
  const fx: BatchEffects = {
    stored: [],
    changed: new Set(),
    bodies: new Map(),
    deleted: new Set(),
    owed: new Map(),
    destroyed: [],
    retried: [],
    errors: [],
  }
  const refuse = (p: PendingChange, r: Refusal) => {
    const about = p.frame.type === 'send' ? { clientId: p.frame.clientId } : { seq: p.frame.seq }
    fx.errors.push({ ws: p.ws, frame: { type: 'error', code: r.code, message: r.message, ...about } })
  }
  // A retry (a clientId this sender used here) stores nothing: the original goes back,
  // whatever the retry says. Looked up only when the send would otherwise fail.
  const retried = (p: PendingChange, clientId: string) => {
    const original = ctx.log.byClientId(p.userId, clientId)
    if (original) fx.retried.push({ ws: p.ws, row: original })
    return !!original
  }
  // Plain sends (no quote, no files) wait here and are inserted together (insertMany),
  // before any other frame of the batch is applied and at its end: the order stays.
  const plain: { p: PendingChange; body: string; recipient: string; message: NewMessage }[] = []
  const insertPlain = () => {
    if (plain.length === 0) return
    const rows = ctx.log.insertMany(plain.map((q) => q.message))
    rows.forEach((row, i) => {
      const q = plain[i]!
      if (!row) {
        retried(q.p, q.message.clientId)
        return
      }
      fx.stored.push(row)
      fx.bodies.set(row.seq, q.body)
      if (q.message.notify) fx.owed.set(q.recipient, row.seq)
    })
    plain.length = 0
  }
  for (const p of batch) {
    if (ctx.isEnded(p.sessionId)) continue
    const f = p.frame
    if (isPlainSend(f) && !ctx.blocked) {
      const recipient = ctx.peerOf(p.userId)
      const message = newMessage(p, f, ctx.at, !ctx.viewing(recipient))
      plain.push({ p, body: f.body, recipient, message })
      continue
    }
    insertPlain()
    switch (f.type) {
      case 'send': {
        const files = f.attachments ?? []
        const refusal =
          (ctx.blocked ? BLOCKED : null) ??
          (f.replyTo !== undefined ? refuseReply(ctx.log.get(f.replyTo)) : null) ??
          (ctx.attachments.claimable(files, p.userId)
            ? null
            : {
                code: 'bad-attachment' as const,
                message: 'An attachment is not one of your uploads to this conversation, or was sent already.',
              })
        if (refusal) {
          if (!retried(p, f.clientId)) refuse(p, refusal)
          continue
        }
        const recipient = ctx.peerOf(p.userId)
        const notify = !ctx.viewing(recipient)
        const row = ctx.log.insert(newMessage(p, f, ctx.at, notify))
        if (!row) {
          retried(p, f.clientId)
          continue
        }
        ctx.attachments.claim(files, row.seq)
        fx.stored.push(row)
        fx.bodies.set(row.seq, f.body)
        if (notify) fx.owed.set(recipient, row.seq)
        break
      }
      case 'edit': {
        const row = ctx.log.get(f.seq)
        const refusal = ctx.blocked ? BLOCKED : refuseEdit(row, f.seq, p.userId, ctx.now, ctx.editWindowMs)
        if (refusal) {
          refuse(p, refusal)
          continue
        }
        const current = fx.bodies.has(f.seq) ? fx.bodies.get(f.seq) : ctx.bodyOf(f.seq)
        if (current === f.body) continue
        ctx.log.edit(f.seq, p.token!, ctx.at)
        fx.bodies.set(f.seq, f.body)
        fx.changed.add(f.seq)
        break
      }
      case 'delete': {
        const row = ctx.log.get(f.seq)
        const refusal = refuseDelete(row, f.seq, p.userId)
        if (refusal) {
          refuse(p, refusal)
          continue
        }
        if (row!.deleted_at) continue
        ctx.log.remove(f.seq, ctx.at)
        fx.destroyed.push(...ctx.attachments.removeOf(f.seq))
        fx.bodies.delete(f.seq)
        fx.deleted.add(f.seq)
        fx.changed.add(f.seq)
        break
      }
      case 'react': {
        const row = ctx.log.get(f.seq)
        const refusal = ctx.blocked ? BLOCKED : refuseReact(row, f.seq, f.on, ctx.log.emojiOn(f.seq, f.emoji))
        if (refusal) {
          refuse(p, refusal)
          continue
        }
        if (ctx.log.react(f.seq, f.emoji, p.userId, f.on)) fx.changed.add(f.seq)
        break
      }
    }
  }
  insertPlain()
  for (const row of fx.stored) fx.changed.delete(row.seq)
  return fx
}

/** A send with no quote and no files: all it writes is its row (MessageLog.insertMany). */
export function isPlainSend(f: ChangeFrame): f is Extract<ChangeFrame, { type: 'send' }> {
  return f.type === 'send' && f.replyTo === undefined && (f.attachments ?? []).length === 0
}

function newMessage(
  p: PendingChange,
  f: Extract<ChangeFrame, { type: 'send' }>,
  at: string,
  notify: boolean,
): NewMessage {
  return { clientId: f.clientId, senderId: p.userId, token: p.token!, sentAt: at, notify, replyTo: f.replyTo ?? null }
}
