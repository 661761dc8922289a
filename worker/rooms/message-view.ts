// Rows of the message log as the contract's Message: bodies from the plaintext cache, reply
// quotes, reactions, and read times only while read receipts are on. Building is
// synchronous, so a frame is made in the same turn as the commit or the accept it follows;
// warm() decrypts beforehand what building will need.
import { MAX_PREVIEW_CHARS, type Message } from '../../protocol/api.ts'
import { attachmentLabel } from '../../protocol/attachment-labels.ts'
import { MAX_REPLAY_MESSAGES, type ServerFrame } from '../../protocol/frames.ts'
import { cutCodePoints } from '../../protocol/text.ts'
import { decryptText, type FernetKeyring } from '../crypto/fernet.ts'
import type { BodyCache } from './body-cache.ts'
import type { MessageLog, MessageRow } from './message-log.ts'
import { type AttachmentRow, attachmentOf, type RoomAttachments } from './room-attachments.ts'

/** Decrypted attachment names kept at most (they are short and never change). */
const MAX_CACHED_NAMES = 10_000

export interface ViewOptions {
  /** False while either member has read receipts off: `readAt` is left out. */
  readAt: boolean
}

export type Built = { ok: true; messages: Message[] } | { ok: false; missing: MessageRow[] }

export class MessageView {
  /** Attachment id → its decrypted name (null when no key opens it). */
  private readonly names = new Map<string, string | null>()

  constructor(
    private readonly log: MessageLog,
    private readonly attachments: RoomAttachments,
    private readonly bodies: BodyCache,
    private readonly keyring: () => Promise<FernetKeyring>,
    private readonly label: string,
  ) {}

  /** Decrypts (once, shared) the bodies of these rows and of the messages they quote. */
  async warm(rows: readonly MessageRow[]): Promise<void> {
    const quoted = this.log.many(rows.flatMap((r) => (r.reply_to ? [r.reply_to] : [])))
    const all = [...rows, ...quoted.values()].filter((r) => !r.deleted_at && !this.bodies.peek(r.seq))
    const files = [...this.filesOf(rows), ...this.filesOf([...quoted.values()])].filter((a) => !this.names.has(a.id))
    if (all.length === 0 && files.length === 0) return
    const keys = await this.keyring()
    await Promise.all([
      ...all.map((r) => this.bodies.get(r.seq, () => this.open(keys, r))),
      ...files.map(async (a) => this.remember(a.id, await decryptText(keys, a.name))),
    ])
  }

  /** A name is known once sent or uploaded: the upload route hands it over in plaintext. */
  remember(id: string, name: string | null): void {
    if (this.names.size >= MAX_CACHED_NAMES) this.names.delete(this.names.keys().next().value!)
    this.names.set(id, name)
  }

  private filesOf(rows: readonly MessageRow[]): AttachmentRow[] {
    const range = rangeOf(rows)
    if (!range) return []
    const wanted = new Set(rows.map((r) => r.seq))
    return [...this.attachments.ofRange(range.from, range.to)].flatMap(([seq, list]) => (wanted.has(seq) ? list : []))
  }

  /** A quote of a message with no text names its attachments ("📷 Photo"), if their names are known. */
  private quoteText(quote: MessageRow): string | undefined {
    const text = this.bodies.peek(quote.seq)!.text ?? ''
    if (text !== '') return text
    const files = this.attachments.ofRange(quote.seq, quote.seq).get(quote.seq) ?? []
    if (files.some((a) => !this.names.has(a.id))) return undefined
    return attachmentLabel(files.map((a) => ({ name: this.names.get(a.id) ?? '', type: a.type })))
  }

  /** The Messages of `rows`, or the rows whose bodies (or quotes) must be warmed first. */
  build(rows: readonly MessageRow[], options: ViewOptions): Built {
    if (rows.length === 0) return { ok: true, messages: [] }
    const quoted = this.log.many(rows.flatMap((r) => (r.reply_to ? [r.reply_to] : [])))
    const { from, to } = rangeOf(rows)!
    const files = this.attachments.ofRange(from, to)
    const missing = rows.filter(
      (r) =>
        (!r.deleted_at && !this.bodies.peek(r.seq)) ||
        (r.reply_to &&
          quoted.get(r.reply_to) &&
          !quoted.get(r.reply_to)!.deleted_at &&
          !this.bodies.peek(r.reply_to)) ||
        (files.get(r.seq) ?? []).some((a) => !this.names.has(a.id)),
    )
    if (missing.length > 0) return { ok: false, missing }
    const reactions = this.log.reactionsIn(from, to)
    const messages = rows.map((r) => {
      const m: Message = {
        seq: r.seq,
        clientId: r.client_id,
        senderId: r.sender_id,
        body: '',
        sentAt: r.sent_at,
        rev: r.rev,
      }
      if (options.readAt && r.read_at) m.readAt = r.read_at
      if (r.delivered_at) m.deliveredAt = r.delivered_at
      if (r.deleted_at) {
        m.deletedAt = r.deleted_at
        return m
      }
      const text = this.bodies.peek(r.seq)!.text
      if (text === null) m.unreadable = true
      else m.body = text
      if (r.edited_at) m.editedAt = r.edited_at
      const quote = r.reply_to ? quoted.get(r.reply_to) : undefined
      if (quote) {
        const preview = quote.deleted_at ? '' : (this.quoteText(quote) ?? '')
        m.replyTo = { seq: quote.seq, senderId: quote.sender_id, preview: cutCodePoints(preview, MAX_PREVIEW_CHARS) }
      }
      const own = reactions.get(r.seq)
      if (own) m.reactions = own
      const carried = files.get(r.seq)
      if (carried) m.attachments = carried.map((a) => attachmentOf(a, this.names.get(a.id) ?? ''))
      return m
    })
    return { ok: true, messages }
  }

  /**
   * What a socket opening with `after` and `since` is owed, built in one turn: changes to
   * messages it has (`update`, seq order), then the messages after `after` (the newest 1,000).
   */
  replay(
    after: number | null,
    since: number | null,
    options: ViewOptions,
  ): { ok: true; frames: ServerFrame[] } | { ok: false; missing: MessageRow[] } {
    if (after === null) return { ok: true, frames: [] }
    const changed = since === null ? [] : this.log.changedSince(since, after, MAX_REPLAY_MESSAGES)
    const updates = this.build(changed, options)
    const messages = this.build(this.log.after(after, MAX_REPLAY_MESSAGES), options)
    if (!updates.ok || !messages.ok) {
      return { ok: false, missing: [...(updates.ok ? [] : updates.missing), ...(messages.ok ? [] : messages.missing)] }
    }
    return {
      ok: true,
      frames: [
        ...updates.messages.map((message): ServerFrame => ({ type: 'update', message })),
        ...messages.messages.map((message): ServerFrame => ({ type: 'message', message })),
      ],
    }
  }

  /** Frames of these messages as stored now, and the seqs whose bodies were not at hand. */
  frames(seqs: number[], type: 'message' | 'update', options: ViewOptions): { frames: ServerFrame[]; late: number[] } {
    if (seqs.length === 0) return { frames: [], late: [] }
    return this.framesOfRows(
      [...this.log.many(seqs).values()].sort((a, b) => a.seq - b.seq),
      type,
      options,
    )
  }

  /** frames() of rows the caller read or wrote just now, ascending by seq. */
  framesOfRows(
    rows: MessageRow[],
    type: 'message' | 'update',
    options: ViewOptions,
  ): { frames: ServerFrame[]; late: number[] } {
    if (rows.length === 0) return { frames: [], late: [] }
    let late: number[] = []
    let built = this.build(rows, options)
    if (!built.ok) {
      const missing = new Set(built.missing.map((r) => r.seq))
      late = [...missing]
      rows = rows.filter((r) => !missing.has(r.seq))
      built = this.build(rows, options)
    }
    return { frames: built.ok ? built.messages.map((message) => ({ type, message })) : [], late }
  }

  /** Warms and builds until every body is there: for history pages, never for frames. */
  async messages(rows: () => MessageRow[], options: ViewOptions): Promise<Message[]> {
    for (;;) {
      const current = rows()
      const built = this.build(current, options)
      if (built.ok) return built.messages
      await this.warm(built.missing)
    }
  }

  /**
   * A stored token that no key opens makes that one message unreadable, never the whole
   * history: the room and seq are logged (never the token), the rest is served.
   */
  private async open(keys: FernetKeyring, r: MessageRow): Promise<string | null> {
    const text = await decryptText(keys, r.body)
    if (text === null)
      console.error(`chat room ${this.label}: message ${r.seq} could not be decrypted with FERNET_KEYS`)
    return text
  }
}

function rangeOf(rows: readonly MessageRow[]): { from: number; to: number } | null {
  if (rows.length === 0) return null
  let from = rows[0]!.seq
  let to = from
  for (const r of rows) {
    from = Math.min(from, r.seq)
    to = Math.max(to, r.seq)
  }
  return { from, to }
}
