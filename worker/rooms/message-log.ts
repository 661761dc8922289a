// The room's message log in its own SQLite: synchronous statements only, so a batch of
// changes commits in one transaction. Bodies are Fernet tokens ('' once deleted); every
// change takes the conversation's next rev (ADR 007). No decryption and no rules here.
import { chunk, MAX_BOUND_PARAMETERS } from '../db/param-limit.ts'

export interface MessageRow extends Record<string, SqlStorageValue> {
  seq: number
  client_id: string
  sender_id: string
  /** Fernet token; '' once deleted. */
  body: string
  sent_at: string
  read_at: string | null
  delivered_at: string | null
  /** 1: the recipient was not viewing, a notification is owed. */
  notify: number
  rev: number
  edited_at: string | null
  deleted_at: string | null
  reply_to: number | null
}

export interface NewMessage {
  clientId: string
  senderId: string
  token: string
  sentAt: string
  notify: boolean
  replyTo: number | null
}

/** Values each inserted message binds (insert() and insertMany()). */
export const INSERT_VALUES = 8
/** Messages one insert statement carries at most: the edge refuses more than 100 bound values. */
export const MAX_ROWS_PER_INSERT = Math.floor(MAX_BOUND_PARAMETERS / INSERT_VALUES)

const INSERT_HEAD = 'insert into messages (seq, client_id, sender_id, body, sent_at, notify, rev, reply_to) values '
const INSERT_TAIL = ' on conflict (sender_id, client_id) do nothing returning *'
const ROW_MARKS = '(?, ?, ?, ?, ?, ?, ?, ?)'

/** Emoji → user ids, in the order they reacted. */
export type Reactions = Record<string, string[]>

export class MessageLog {
  lastSeq = 0
  lastRev = 0
  /**
   * The rev of the latest edit or deletion, or an upper bound of it (lastRev once loaded):
   * an inbox whose rev is at or past it is owed no changes, and no query is made to say so.
   */
  lastChangeRev = 0

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly sql: SqlStorage,
  ) {}

  load(): void {
    const r = this.sql
      .exec<{ s: number | null; r: number | null }>('select max(seq) as s, max(rev) as r from messages')
      .one()
    this.lastSeq = r.s ?? 0
    this.lastRev = r.r ?? 0
    this.lastChangeRev = this.lastRev
  }

  /**
   * Runs `fn` in one storage transaction. A throw rolls its statements back and the
   * counters with them, so memory always matches what is stored.
   */
  transaction<T>(fn: () => T): T {
    const seq = this.lastSeq
    const rev = this.lastRev
    try {
      return this.storage.transactionSync(fn)
    } catch (err) {
      this.lastSeq = seq
      this.lastRev = rev
      throw err
    }
  }

  /**
   * Runs `fn`, which only inserts messages, in the turn's implicit transaction without a
   * savepoint of its own: a group commit of plain sends (ADR 004). Its statements commit
   * together when the turn ends, as in transaction(), but SQLite keeps no sub-journal copy
   * of the pages they touch (which spilled to a new temporary file on each batch). A throw
   * takes back the messages inserted before it, so none of the batch is stored; should that
   * fail too, the counters are read back from storage, so memory matches what is stored.
   */
  appendOnly<T>(fn: () => T): T {
    const seq = this.lastSeq
    const rev = this.lastRev
    try {
      return fn()
    } catch (err) {
      try {
        this.sql.exec('delete from messages where seq > ?', seq)
        this.lastSeq = seq
        this.lastRev = rev
      } catch {
        this.load()
      }
      throw err
    }
  }

  /** Null when the sender already used this clientId here (a retry). */
  insert(m: NewMessage): MessageRow | null {
    const seq = this.lastSeq + 1
    const rev = this.lastRev + 1
    const row = this.sql
      .exec<MessageRow>(INSERT_HEAD + ROW_MARKS + INSERT_TAIL, ...insertValues(m, seq, rev))
      .toArray()[0]
    if (!row) return null
    this.lastSeq = seq
    this.lastRev = rev
    return row
  }

  /**
   * insert() of each message in order, with the same result, in one statement per
   * MAX_ROWS_PER_INSERT messages (a group commit's sends, ADR 004). A retry among them
   * would leave a gap in seq: that statement's rows are taken back, in the same
   * transaction, and its messages inserted one by one instead.
   */
  insertMany(ms: readonly NewMessage[]): (MessageRow | null)[] {
    return chunk(ms, MAX_ROWS_PER_INSERT).flatMap((part) => this.insertRows(part))
  }

  private insertRows(ms: readonly NewMessage[]): (MessageRow | null)[] {
    if (ms.length === 1) return [this.insert(ms[0]!)]
    const seq = this.lastSeq
    const rev = this.lastRev
    const rows = this.sql
      .exec<MessageRow>(
        INSERT_HEAD + ms.map(() => ROW_MARKS).join(', ') + INSERT_TAIL,
        ...ms.flatMap((m, i) => insertValues(m, seq + 1 + i, rev + 1 + i)),
      )
      .toArray()
    if (rows.length === ms.length) {
      this.lastSeq = seq + ms.length
      this.lastRev = rev + ms.length
      // RETURNING promises no order.
      return rows.sort((a, b) => a.seq - b.seq)
    }
    this.sql.exec('delete from messages where seq > ?', seq)
    return ms.map((m) => this.insert(m))
  }

  /** The new body replaces the old token: no earlier version stays behind. */
  edit(seq: number, token: string, at: string): MessageRow {
    const row = this.change(
      'update messages set body = ?, edited_at = ?, rev = ? where seq = ? returning *',
      token,
      at,
      seq,
    )
    this.lastChangeRev = row.rev
    return row
  }

  /** Body, quote and reactions are destroyed, not flagged; seq, sender and time stay. */
  remove(seq: number, at: string): MessageRow {
    this.sql.exec('delete from reactions where seq = ?', seq)
    const row = this.change(
      `update messages set body = '', edited_at = null, reply_to = null, deleted_at = ?, rev = ?
       where seq = ? returning *`,
      at,
      seq,
    )
    this.lastChangeRev = row.rev
    return row
  }

  /** Adds or removes one reaction; null when it was already so. */
  react(seq: number, emoji: string, userId: string, on: boolean): MessageRow | null {
    const written = on
      ? this.sql.exec('insert or ignore into reactions (seq, emoji, user_id) values (?, ?, ?)', seq, emoji, userId)
          .rowsWritten
      : this.sql.exec('delete from reactions where seq = ? and emoji = ? and user_id = ?', seq, emoji, userId)
          .rowsWritten
    if (written === 0) return null
    return this.change('update messages set rev = ? where seq = ? returning *', seq)
  }

  get(seq: number): MessageRow | undefined {
    return this.sql.exec<MessageRow>('select * from messages where seq = ?', seq).toArray()[0]
  }

  byClientId(senderId: string, clientId: string): MessageRow | undefined {
    return this.sql
      .exec<MessageRow>('select * from messages where sender_id = ? and client_id = ?', senderId, clientId)
      .toArray()[0]
  }

  last(): MessageRow | undefined {
    return this.sql.exec<MessageRow>('select * from messages order by seq desc limit 1').toArray()[0]
  }

  /** The newest `limit` before `before`, ascending. */
  page(before: number | null, limit: number): { rows: MessageRow[]; hasMore: boolean } {
    const rows = this.sql
      .exec<MessageRow>(
        'select * from messages where seq < ? order by seq desc limit ?',
        before ?? Number.MAX_SAFE_INTEGER,
        limit + 1,
      )
      .toArray()
    return { rows: rows.slice(0, limit).reverse(), hasMore: rows.length > limit }
  }

  /** The newest `limit` messages after `seq`, ascending. */
  after(seq: number, limit: number): MessageRow[] {
    return this.sql
      .exec<MessageRow>('select * from messages where seq > ? order by seq desc limit ?', seq, limit)
      .toArray()
      .reverse()
  }

  /**
   * Messages up to `upTo` changed after rev `since`, in seq order (at most the newest
   * `limit`): the rev index finds them without reading the rest of the log.
   */
  changedSince(since: number, upTo: number, limit: number): MessageRow[] {
    return this.sql
      .exec<MessageRow>(
        'select * from messages where rev > ? and seq <= ? order by seq desc limit ?',
        since,
        upTo,
        limit,
      )
      .toArray()
      .reverse()
  }

  /**
   * Edits and deletions after `rev` in rev order, for an inbox catching up on them. New
   * messages take a rev too; they are filtered out here, not read into memory by the hundred
   * on every delivery.
   */
  changesAfter(rev: number, limit: number): MessageRow[] {
    return this.sql
      .exec<MessageRow>(
        `select * from messages where rev > ? and (edited_at is not null or deleted_at is not null)
         order by rev limit ?`,
        rev,
        limit,
      )
      .toArray()
  }

  /** The recipient's owed notifications: the peer's messages after `after` that raised one. */
  owed(after: number, senderId: string, limit: number): MessageRow[] {
    return (
      this.sql
        // `+sender_id` keeps SQLite on the seq range: the (sender, clientId) index would
        // visit every message the peer ever sent, then sort them.
        .exec<MessageRow>(
          'select * from messages where seq > ? and +sender_id = ? and notify = 1 order by seq limit ?',
          after,
          senderId,
          limit,
        )
        .toArray()
    )
  }

  /** Messages from `senderId` after `after` that are not deleted: what is unread. */
  countFrom(senderId: string, after: number): number {
    return this.sql
      .exec<{ n: number }>(
        'select count(*) as n from messages where seq > ? and +sender_id = ? and deleted_at is null',
        after,
        senderId,
      )
      .one().n
  }

  /** The newest message from `senderId` in (after, upTo], or 0: found on the seq range alone. */
  newestFrom(senderId: string, after: number, upTo: number): number {
    return (
      this.sql
        .exec<{ s: number | null }>(
          'select max(seq) as s from messages where seq > ? and seq <= ? and +sender_id = ?',
          after,
          upTo,
          senderId,
        )
        .one().s ?? 0
    )
  }

  /** Stamps `column` on the other member's messages in (from, to] that lack it. */
  stamp(column: 'read_at' | 'delivered_at', readerId: string, from: number, to: number, at: string): void {
    this.sql.exec(
      `update messages set ${column} = ? where seq > ? and seq <= ? and sender_id != ? and ${column} is null`,
      at,
      from,
      to,
      readerId,
    )
  }

  /** What the messages in (from, to] add to the D1 counters (see worker/db/room-activity.ts). */
  activity(
    from: number,
    to: number,
  ): { lastActivityAt: string; hours: { hour: string; count: number }[]; senders: { userId: string; at: string }[] } {
    const hours = this.sql
      .exec<{ h: string; n: number }>(
        'select substr(sent_at, 1, 13) as h, count(*) as n from messages where seq > ? and seq <= ? group by h',
        from,
        to,
      )
      .toArray()
    const senders = this.sql
      .exec<{ sender_id: string; at: string }>(
        'select sender_id, max(sent_at) as at from messages where seq > ? and seq <= ? group by sender_id',
        from,
        to,
      )
      .toArray()
    const last = this.sql.exec<{ sent_at: string }>('select sent_at from messages where seq = ?', to).one()
    return {
      lastActivityAt: last.sent_at,
      hours: hours.map((h) => ({ hour: h.h, count: h.n })),
      senders: senders.map((s) => ({ userId: s.sender_id, at: s.at })),
    }
  }

  /** Reactions of the messages in [from, to], by seq. */
  reactionsIn(from: number, to: number): Map<number, Reactions> {
    const bySeq = new Map<number, Reactions>()
    for (const r of this.sql.exec<{ seq: number; emoji: string; user_id: string }>(
      'select seq, emoji, user_id from reactions where seq >= ? and seq <= ? order by rowid',
      from,
      to,
    )) {
      const reactions = bySeq.get(r.seq) ?? {}
      bySeq.set(r.seq, reactions)
      const who = reactions[r.emoji] ?? []
      reactions[r.emoji] = who
      who.push(r.user_id)
    }
    return bySeq
  }

  /** Different emoji on the message, and whether `emoji` is one of them. */
  emojiOn(seq: number, emoji: string): { count: number; has: boolean } {
    const r = this.sql
      .exec<{ n: number; has: number }>(
        'select count(distinct emoji) as n, coalesce(max(emoji = ?), 0) as has from reactions where seq = ?',
        emoji,
        seq,
      )
      .one()
    return { count: r.n, has: r.has === 1 }
  }

  /** The rows of these seqs (quoted messages), at most MAX_BOUND_PARAMETERS per statement. */
  many(seqs: Iterable<number>): Map<number, MessageRow> {
    const all = [...new Set(seqs)]
    const found = new Map<number, MessageRow>()
    for (let i = 0; i < all.length; i += MAX_BOUND_PARAMETERS) {
      const part = all.slice(i, i + MAX_BOUND_PARAMETERS)
      const marks = part.map(() => '?').join(',')
      for (const r of this.sql.exec<MessageRow>(`select * from messages where seq in (${marks})`, ...part)) {
        found.set(r.seq, r)
      }
    }
    return found
  }

  private change(statement: string, ...head: SqlStorageValue[]): MessageRow {
    // The rev goes just before the trailing `where seq = ?`.
    const seq = head.pop()!
    const rev = this.lastRev + 1
    const row = this.sql.exec<MessageRow>(statement, ...head, rev, seq).one()
    this.lastRev = rev
    return row
  }
}

function insertValues(m: NewMessage, seq: number, rev: number): SqlStorageValue[] {
  return [seq, m.clientId, m.senderId, m.token, m.sentAt, m.notify ? 1 : 0, rev, m.replyTo]
}
