// ChatRoom Durable Object: one per pair of users. Owns the pair's messages (its own
// SQLite, bodies as Fernet tokens), read state, the members' hibernatable chat sockets,
// and the outbox that tells both members' UserInbox objects what changed.
import { DurableObject } from 'cloudflare:workers'
import type { Message, Peer } from '../../protocol/api.ts'
import {
  type ClientFrame,
  MAX_REPLAY_MESSAGES,
  type Notice,
  PING_FRAME,
  PONG_FRAME,
  parseClientFrame,
  type ServerFrame,
} from '../../protocol/frames.ts'
import { decryptText, encryptText, type FernetKeyring } from '../crypto/fernet.ts'
import { keyringOf } from '../crypto/keys.ts'
import { guardD1, guardSql } from '../db/param-limit.ts'
import { findPeer } from '../db/peers.ts'
import type { Env } from '../env.ts'
import { Problem } from '../http/problem.ts'
import type { ConversationUpdate, StoredMessage } from '../inbox/updates.ts'
import { refusal, socketLimitsOf } from '../sockets/admission.ts'
import { closeWith } from '../sockets/close.ts'
import { BodyCache } from './body-cache.ts'
import { migrate } from './chat-room-schema.ts'
import { type ChatLimits, chatLimitsOf, FloodGate, SocketGates } from './flood-gate.ts'
import { Outbox } from './outbox.ts'
import { type SocketAttachment as Attachment, attachmentOf, RoomSockets } from './room-sockets.ts'

/** A send frame accepted from a socket, waiting for the next group commit. */
interface PendingSend {
  ws: WebSocket
  senderId: string
  sessionId: string
  clientId: string
  body: string
}

interface MessageRow extends Record<string, SqlStorageValue> {
  seq: number
  client_id: string
  sender_id: string
  body: string
  sent_at: string
  read_at: string | null
  notify: number
}

export interface HistoryPage {
  messages: Message[]
  hasMore: boolean
  notices: Notice[]
}

export interface StoredPage {
  messages: { seq: number; senderId: string; sentAt: string; readAt?: string; ciphertext: string }[]
  hasMore: boolean
}

/** Ids only: people's data (names, emails) never travel in headers, where they could reach a log. */
export const ROOM_HEADERS = {
  user: 'x-parley-user',
  session: 'x-parley-session',
  members: 'x-parley-members',
} as const

/** Sends committed together at most: one storage commit per batch, not per message. */
const MAX_SEND_BATCH = 64
/** Counters reach D1 about this often (plus up to 20% jitter, so rooms do not flush in step): never a D1 write per message. */
const ACTIVITY_FLUSH_MS = 30_000
/** A room's first counters (which list it for staff) go sooner. */
const FIRST_FLUSH_MS = 2_000
const NOTICE_INTERVAL_MS = 3600_000
const MAX_NOTICES = 100
/** Notifications carried by one delivery; the loop sends the rest next. */
const MAX_NOTIFICATIONS_PER_DELIVERY = 100
/** A member's name and email for the `ready` frame are read from D1 at most this often. */
const PEER_CACHE_MS = 60_000

export class ChatRoom extends DurableObject<Env> {
  private readonly sql: SqlStorage
  private members: [string, string] | null = null
  private lastSeq = 0
  private readonly readUpTo = new Map<string, number>()
  // Caches of durable state, rebuilt by load(): the hot path reads memory, not SQLite.
  private readonly unread = new Map<string, number>()
  private flushedSeq = 0
  private alarmAt: number | null = null
  // The outbox needs no table of its own: every change also sets the alarm in the same
  // commit, and a room that wakes (after eviction or a crash) redelivers to both members,
  // which inboxes ignore when they already have that version.
  private readonly outbox: Outbox
  /** Per member, the seq up to which owed notifications were looked for and delivered. */
  private readonly notifiedSeq = new Map<string, number>()
  /** Per member, the newest message that owes them a notification (an upper bound after a wake). */
  private readonly owedUpTo = new Map<string, number>()
  // Group commit: sends wait here for one turn of the event loop, then commit together.
  private pending: PendingSend[] = []
  private committing = false
  private readonly gates: SocketGates
  /** Sends per member across all their sockets here: more sockets buy no more sends. */
  private readonly senders = new Map<string, FloodGate>()
  private readonly limits: ChatLimits
  private readonly sockets: RoomSockets
  private readonly bodies = new BodyCache()
  private readonly peers = new Map<string, { peer: Promise<Peer | null>; at: number }>()

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = guardSql(ctx.storage.sql)
    this.limits = chatLimitsOf(env)
    this.gates = new SocketGates(this.limits)
    this.sockets = new RoomSockets(ctx, socketLimitsOf(env))
    this.outbox = new Outbox({
      deliverTo: (userId) => this.deliverTo(userId),
      retryLater: (ms) => this.armAlarm(ms),
      waitUntil: (work) => ctx.waitUntil(work),
    })
    void ctx.blockConcurrencyWhile(async () => {
      migrate(this.sql)
      this.load()
      this.alarmAt = await ctx.storage.getAlarm()
    })
    // Answered by the runtime itself, so idle rooms stay hibernated.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME))
  }

  // ---- entry: the Worker forwards an authenticated upgrade ----

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
      return new Response('Expected a WebSocket upgrade', { status: 426 })
    }
    const userId = request.headers.get(ROOM_HEADERS.user) ?? ''
    const sessionId = request.headers.get(ROOM_HEADERS.session) ?? ''
    const members = (request.headers.get(ROOM_HEADERS.members) ?? '').split(',')
    if (members.length !== 2) return new Response('Missing room headers', { status: 400 })
    this.ensureMembers(members[0]!, members[1]!)
    if (!this.isMember(userId)) return new Response('Not a member of this conversation', { status: 403 })
    // Refused before any work; checked again below, after the awaits.
    const early = this.sockets.admission(userId, sessionId)
    if (early !== 'ok') return refusal(early)
    const params = new URL(request.url).searchParams
    // A page that opens hidden can say so at once, so no message slips by un-notified.
    const viewing = params.get('viewing') !== 'false'
    const afterParam = params.get('after')
    const after = afterParam === null ? null : Number(afterParam)

    const peer = await this.peerProfile(this.peerOf(userId))
    if (!peer) return new Problem(404, 'user-not-found', 'There is no user with that id.').toResponse()
    const missed = after !== null && Number.isSafeInteger(after) ? await this.missedSince(after) : []
    // From here on nothing awaits: the socket joins the broadcast set only once its replay
    // is complete, so no live frame can overtake a replayed one. A session that ended while
    // this upgrade was on its way is refused here, after every await.
    const admission = this.sockets.admission(userId, sessionId)
    if (admission !== 'ok') return refusal(admission)
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket]
    this.sockets.accept(server, { userId, sessionId, viewing })
    this.send(server, { type: 'ready', peer, lastSeq: this.lastSeq, readUpTo: this.readState() })
    for (const message of missed) this.send(server, { type: 'message', message })
    return new Response(null, { status: 101, webSocket: client })
  }

  // ---- RPC from the Worker and from UserInbox ----

  /** History over HTTP: the newest `limit` messages before `before`, ascending. */
  async history(userId: string, members: [string, string], before: number | null, limit: number): Promise<HistoryPage> {
    this.ensureMembers(...members)
    if (!this.isMember(userId)) throw new Error('not a member of this conversation')
    const rows = this.pageRows(before, limit)
    const keys = await this.keyring()
    const messages = await Promise.all(rows.rows.map((r) => this.toMessage(keys, r)))
    return { messages, hasMore: rows.hasMore, notices: this.noticeList() }
  }

  /** Staff view of stored messages: metadata and the Fernet token, never plaintext. */
  storedMessages(before: number | null, limit: number): StoredPage {
    const { rows, hasMore } = this.pageRows(before, limit)
    return {
      hasMore,
      messages: rows.map((r) => ({
        seq: r.seq,
        senderId: r.sender_id,
        sentAt: r.sent_at,
        ...(r.read_at ? { readAt: r.read_at } : {}),
        ciphertext: r.body,
      })),
    }
  }

  /** Records that staff viewed the stored messages; tells the members live, at most hourly per staff member. */
  recordAdminView(staffId: string, now = Date.now()): Notice | null {
    const last = this.sql
      .exec<{ at: string }>('select at from notices where staff_id = ? order by id desc limit 1', staffId)
      .toArray()[0]
    if (last && now - Date.parse(last.at) < NOTICE_INTERVAL_MS) return null
    const notice: Notice = { kind: 'admin-viewed', at: new Date(now).toISOString() }
    this.sql.exec('insert into notices (kind, staff_id, at) values (?, ?, ?)', notice.kind, staffId, notice.at)
    this.broadcast({ type: 'notice', notice })
    return notice
  }

  /**
   * Closes the user's sockets of these sessions (all when null) with 4401; an upgrade of
   * one of them that is still on its way is refused when it arrives.
   */
  closeSessions(userId: string, sessionIds: string[] | null, code = 4401, reason = 'session ended'): number {
    return this.sockets.closeSessions(userId, sessionIds, code, reason)
  }

  // ---- socket handlers ----

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const att = attachmentOf(ws)
    // A socket of an ended session that is still closing changes nothing.
    if (!att || this.sockets.isEnded(att.sessionId)) return
    const gate = this.gates.of(ws)
    const frame = parseClientFrame(raw)
    if (!gate.admit()) {
      if (gate.shouldClose()) return closeWith(ws, 4408, 'closed for flooding')
      const clientId = frame.ok && frame.value.type === 'send' ? frame.value.clientId : undefined
      return this.rateLimited(ws, clientId)
    }
    if (!frame.ok) {
      const { code, message, clientId } = frame
      return this.send(ws, { type: 'error', code, message, ...(clientId ? { clientId } : {}) })
    }
    const f: ClientFrame = frame.value
    switch (f.type) {
      case 'send':
        if (!this.sender(att.userId).admit()) return this.rateLimited(ws, f.clientId)
        return this.onSend(ws, att, f.clientId, f.body)
      case 'read':
        return this.onRead(att, f.upTo)
      case 'typing':
        return this.onTyping(att, gate)
      case 'viewing':
        return this.sockets.setViewing(ws, f.active)
      case 'ping':
        return this.send(ws, { type: 'pong' })
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    // Complete the closing handshake; 1005/1006 cannot be sent back.
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, 'closed')
    } catch {
      // already closed
    }
    // The conversation went quiet: settle its outbox and counters now, so the alarm has
    // nothing left to wake the room for.
    if (!this.sockets.anyOpen(ws)) await this.settle()
  }

  override async webSocketError(): Promise<void> {}

  override async alarm(): Promise<void> {
    // The runtime deletes the alarm that fired unless the handler sets another.
    this.alarmAt = null
    await this.catchUp()
    this.armAlarm()
  }

  /** The last socket closed: catch up now, and drop the alarm if nothing is left for it. */
  private async settle(): Promise<void> {
    await this.catchUp()
    if (this.outbox.settled && this.lastSeq <= this.flushedSeq && this.alarmAt !== null) {
      await this.ctx.storage.deleteAlarm()
      this.alarmAt = null
    }
  }

  /** Delivers what the inboxes are owed and flushes the counters to D1. */
  private async catchUp(): Promise<void> {
    // Woken with no record of what the inboxes heard, the outbox tells both again.
    await this.outbox.flush(this.members ?? [])
    await this.flushActivity()
  }

  // ---- one method per frame ----

  /** Queues the send for the next group commit; nothing is acknowledged before it is durable. */
  private onSend(ws: WebSocket, att: Attachment, clientId: string, body: string): void {
    this.pending.push({ ws, senderId: att.userId, sessionId: att.sessionId, clientId, body })
    if (this.committing) return
    this.committing = true
    // One turn of the event loop lets frames that already arrived join this commit; under
    // light load that costs a fraction of a millisecond.
    setTimeout(() => void this.commitPending(), 0)
  }

  private async commitPending(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_SEND_BATCH)
        const keys = await this.keyring()
        const tokens = await Promise.all(batch.map((send) => encryptText(keys, send.body)))
        await this.storeBatch(batch, tokens, keys)
      }
    } catch (err) {
      // Storage or the keyring failed: nothing of the batch was acknowledged, and the
      // clients resend with the same clientIds once the socket closes.
      console.error('chat room: sends could not be stored', err)
      this.sockets.closeAll(1011, 'could not store messages')
      this.pending = []
    } finally {
      this.committing = false
    }
  }

  /**
   * Inserts the batch in one transaction, then applies its effects to memory and
   * broadcasts; the runtime holds the frames until the commit is durable (output gate). A
   * throw midway rolls every row back and leaves memory as it was, so what is in memory
   * always matches what is stored.
   */
  private async storeBatch(batch: PendingSend[], tokens: string[], keys: FernetKeyring): Promise<void> {
    const viewing = new Map(this.members!.map((m) => [m, this.sockets.isViewing(m)]))
    const sentAt = new Date().toISOString()
    const { stored, retried } = this.ctx.storage.transactionSync(() => {
      const stored: Message[] = []
      const retried: { ws: WebSocket; row: MessageRow }[] = []
      batch.forEach((send, i) => {
        // A session that ended while its frame waited for this commit stores nothing.
        if (this.sockets.isEnded(send.sessionId)) return
        const recipient = this.peerOf(send.senderId)
        const seq = this.lastSeq + stored.length + 1
        const inserted = this.sql
          .exec(
            `insert into messages (seq, client_id, sender_id, body, sent_at, notify) values (?, ?, ?, ?, ?, ?)
             on conflict (sender_id, client_id) do nothing returning seq`,
            seq,
            send.clientId,
            send.senderId,
            tokens[i]!,
            sentAt,
            viewing.get(recipient) ? 0 : 1,
          )
          .toArray()
        if (inserted.length === 0) {
          // A retry of a stored message: echo the original to the retrying socket only.
          retried.push({ ws: send.ws, row: this.findByClientId(send.senderId, send.clientId)! })
          return
        }
        stored.push({ seq, clientId: send.clientId, senderId: send.senderId, body: send.body, sentAt })
      })
      return { stored, retried }
    })
    let owesNotification = false
    for (const message of stored) {
      const recipient = this.peerOf(message.senderId)
      this.lastSeq = message.seq
      this.unread.set(recipient, (this.unread.get(recipient) ?? 0) + 1)
      this.bodies.put(message.seq, message.body)
      if (!viewing.get(recipient)) {
        this.owedUpTo.set(recipient, message.seq)
        owesNotification = true
      }
    }
    if (stored.length > 0) {
      this.afterChange()
      this.broadcast(...stored.map((message): ServerFrame => ({ type: 'message', message })))
      this.outbox.schedule()
      if (owesNotification) this.outbox.hurry()
    }
    for (const { ws, row } of retried) this.send(ws, { type: 'message', message: await this.toMessage(keys, row) })
  }

  private onRead(att: Attachment, upTo: number): void {
    const target = Math.min(upTo, this.lastSeq)
    const current = this.readUpTo.get(att.userId) ?? 0
    if (target <= current) return
    const at = new Date().toISOString()
    // Synchronous statements: they commit together, with the alarm set by afterChange().
    this.sql.exec(
      'insert into read_state (user_id, up_to, at) values (?, ?, ?) on conflict (user_id) do update set up_to = excluded.up_to, at = excluded.at',
      att.userId,
      target,
      at,
    )
    this.sql.exec(
      'update messages set read_at = ? where seq > ? and seq <= ? and sender_id != ? and read_at is null',
      at,
      current,
      target,
      att.userId,
    )
    this.readUpTo.set(att.userId, target)
    this.unread.set(att.userId, this.countUnread(att.userId))
    this.afterChange()
    this.broadcast({ type: 'read', userId: att.userId, upTo: target, at })
    this.outbox.schedule()
    // A read clears badges and titles as promptly as a message raises them: it must not
    // wait for a busy room's next snapshot.
    this.outbox.hurry()
  }

  private onTyping(att: Attachment, gate: FloodGate): void {
    if (!gate.admitTyping()) return
    this.sockets.sendTo(this.peerOf(att.userId), { type: 'typing', userId: att.userId })
  }

  // ---- delivery to the members' inboxes (see outbox.ts) ----

  /** True when the member's inbox now has the latest state. */
  private async deliverTo(userId: string): Promise<boolean> {
    const update = this.conversationFor(userId)
    await this.env.USER_INBOX.get(this.env.USER_INBOX.idFromName(userId)).applyConversation(update)
    // Owed notifications were looked for up to update.lastSeq; a full page may leave more.
    const owesMore = update.notifications.length === MAX_NOTIFICATIONS_PER_DELIVERY
    this.notifiedSeq.set(userId, owesMore ? update.notifications.at(-1)!.seq : update.lastSeq)
    // Anything that changed while the call was in flight keeps the member owed for the next round.
    return update.version === this.version() && !owesMore
  }

  private conversationFor(userId: string): ConversationUpdate {
    const peerId = this.peerOf(userId)
    const readUpTo = this.readUpTo.get(userId) ?? 0
    const last = this.sql.exec<MessageRow>('select * from messages order by seq desc limit 1').toArray()[0]
    const notifiedUpTo = Math.max(readUpTo, this.notifiedSeq.get(userId) ?? 0)
    const owed =
      (this.owedUpTo.get(userId) ?? 0) <= notifiedUpTo
        ? []
        : this.sql
            .exec<MessageRow>(
              // `+sender_id` keeps SQLite on the seq range: the (sender, clientId) index would
              // visit every message the peer ever sent, then sort them.
              'select * from messages where seq > ? and +sender_id = ? and notify = 1 order by seq limit ?',
              notifiedUpTo,
              peerId,
              MAX_NOTIFICATIONS_PER_DELIVERY,
            )
            .toArray()
    return {
      roomId: this.ctx.id.toString(),
      peerId,
      version: this.version(),
      lastSeq: this.lastSeq,
      lastMessage: last ? stored(last) : null,
      unread: this.unread.get(userId) ?? 0,
      readUpTo,
      peerReadUpTo: this.readUpTo.get(peerId) ?? 0,
      lastActivityAt: last?.sent_at ?? new Date().toISOString(),
      notifications: owed.map(stored),
    }
  }

  // ---- batched counters to D1 ----

  /** Message counts per hour and senders' activity since the last flush, derived from the messages themselves. */
  private async flushActivity(): Promise<void> {
    const upTo = this.lastSeq
    if (upTo <= this.flushedSeq || !this.members) return
    const hours = this.sql
      .exec<{ h: string; n: number }>(
        'select substr(sent_at, 1, 13) as h, count(*) as n from messages where seq > ? and seq <= ? group by h',
        this.flushedSeq,
        upTo,
      )
      .toArray()
    const active = this.sql
      .exec<{ sender_id: string; at: string }>(
        'select sender_id, max(sent_at) as at from messages where seq > ? and seq <= ? group by sender_id',
        this.flushedSeq,
        upTo,
      )
      .toArray()
    const last = this.sql.exec<{ sent_at: string }>('select sent_at from messages where seq = ?', upTo).one()
    const db = guardD1(this.env.DB)
    await db.batch([
      db
        .prepare(
          `insert into rooms (id, member_a, member_b, message_count, last_activity_at) values (?, ?, ?, ?, ?)
           on conflict (id) do update set message_count = excluded.message_count, last_activity_at = excluded.last_activity_at`,
        )
        .bind(this.ctx.id.toString(), this.members[0], this.members[1], upTo, last.sent_at),
      ...hours.map((h) =>
        db
          .prepare(
            'insert into message_hours (hour, count) values (?, ?) on conflict (hour) do update set count = count + excluded.count',
          )
          .bind(`${h.h}:00:00.000Z`, h.n),
      ),
      ...active.map((a) =>
        db
          .prepare(
            'update users set last_active_at = ? where id = ? and (last_active_at is null or last_active_at < ?)',
          )
          .bind(a.at, a.sender_id, a.at),
      ),
    ])
    this.flushedSeq = upTo
    this.sql.exec(
      "insert into meta (key, value) values ('flushed_seq', ?) on conflict (key) do update set value = excluded.value",
      String(upTo),
    )
  }

  /**
   * One alarm serves both jobs: the batched D1 flush, and the durable reminder of the
   * outbox (a room that stopped before delivering, or a failed call, which passes its
   * backoff as `delayMs`). Normal deliveries run on their own timer, so under load the
   * alarm fires only about every 30 s.
   */
  private armAlarm(delayMs?: number): void {
    if (this.outbox.settled && this.lastSeq <= this.flushedSeq) return
    // A new conversation is listed for staff within seconds; later counters wait longer.
    const flushMs = this.flushedSeq === 0 ? FIRST_FLUSH_MS : ACTIVITY_FLUSH_MS * (1 + Math.random() / 5)
    const at = Date.now() + (delayMs ?? flushMs)
    // The cached time saves a storage write per change while an alarm is pending. Called
    // right after a change's statements, the alarm commits with them: a room that stops
    // before delivering is woken to finish.
    if (this.alarmAt !== null && this.alarmAt <= at) return
    void this.ctx.storage.setAlarm(at)
    this.alarmAt = at
  }

  // ---- storage helpers ----

  private load(): void {
    const meta = this.sql.exec<{ key: string; value: string }>('select key, value from meta').toArray()
    const get = (k: string) => meta.find((m) => m.key === k)?.value
    const members = get('members')
    if (members) this.members = JSON.parse(members) as [string, string]
    this.flushedSeq = Number(get('flushed_seq') ?? 0)
    this.lastSeq = this.sql.exec<{ s: number | null }>('select max(seq) as s from messages').one().s ?? 0
    for (const r of this.sql.exec<{ user_id: string; up_to: number }>('select user_id, up_to from read_state')) {
      this.readUpTo.set(r.user_id, r.up_to)
    }
    // Whether the inboxes heard the latest state is not stored; the alarm that a change
    // commits with tells them again if the room stopped before delivering (see alarm()).
    if (this.lastSeq > 0) this.outbox.wokeWithHistory()
    for (const m of this.members ?? []) {
      this.unread.set(m, this.countUnread(m))
      this.owedUpTo.set(m, this.lastSeq)
    }
  }

  private ensureMembers(a: string, b: string): void {
    if (this.members) return
    this.members = a < b ? [a, b] : [b, a]
    this.sql.exec("insert or ignore into meta (key, value) values ('members', ?)", JSON.stringify(this.members))
  }

  private isMember(userId: string): boolean {
    return !!this.members && this.members.includes(userId)
  }

  private peerOf(userId: string): string {
    const [a, b] = this.members!
    return userId === a ? b : a
  }

  /** Right after a change's statements: both inboxes must hear of it, and the alarm makes sure they will. */
  private afterChange(): void {
    this.outbox.changed(this.members!)
    this.armAlarm()
  }

  /** Grows with every message and every read: a snapshot with a higher version is newer. */
  private version(): number {
    let v = this.lastSeq
    for (const upTo of this.readUpTo.values()) v += upTo
    return v
  }

  private countUnread(userId: string): number {
    return this.sql
      .exec<{ n: number }>(
        'select count(*) as n from messages where seq > ? and +sender_id = ?',
        this.readUpTo.get(userId) ?? 0,
        this.peerOf(userId),
      )
      .one().n
  }

  private readState(): Record<string, number> {
    const state: Record<string, number> = {}
    for (const m of this.members ?? []) state[m] = this.readUpTo.get(m) ?? 0
    return state
  }

  private findByClientId(senderId: string, clientId: string): MessageRow | undefined {
    return this.sql
      .exec<MessageRow>('select * from messages where sender_id = ? and client_id = ?', senderId, clientId)
      .toArray()[0]
  }

  private pageRows(before: number | null, limit: number): { rows: MessageRow[]; hasMore: boolean } {
    const bound = before ?? Number.MAX_SAFE_INTEGER
    const rows = this.sql
      .exec<MessageRow>('select * from messages where seq < ? order by seq desc limit ?', bound, limit + 1)
      .toArray()
    const hasMore = rows.length > limit
    return { rows: rows.slice(0, limit).reverse(), hasMore }
  }

  private noticeList(): Notice[] {
    return this.sql
      .exec<{ kind: 'admin-viewed'; at: string }>('select kind, at from notices order by id desc limit ?', MAX_NOTICES)
      .toArray()
      .map((n) => ({ kind: n.kind, at: n.at }))
  }

  /**
   * Messages after `after`, at most the newest 1,000, decrypted. Messages stored while
   * decrypting are fetched too, until the result reaches lastSeq.
   */
  private async missedSince(after: number): Promise<Message[]> {
    const keys = await this.keyring()
    const missed: Message[] = []
    let from = after
    while (from < this.lastSeq) {
      const rows = this.sql
        .exec<MessageRow>('select * from messages where seq > ? order by seq desc limit ?', from, MAX_REPLAY_MESSAGES)
        .toArray()
        .reverse()
      if (rows.length === 0) break
      missed.push(...(await Promise.all(rows.map((r) => this.toMessage(keys, r)))))
      from = rows.at(-1)!.seq
    }
    return missed.length > MAX_REPLAY_MESSAGES ? missed.slice(-MAX_REPLAY_MESSAGES) : missed
  }

  /**
   * A stored token that no key opens makes that one message unreadable, never the whole
   * history: the room and seq are logged (never the token), the rest is served.
   */
  private async toMessage(keys: FernetKeyring, r: MessageRow): Promise<Message> {
    const body = await this.bodies.get(r.seq, () => decryptText(keys, r.body))
    const m: Message = { seq: r.seq, clientId: r.client_id, senderId: r.sender_id, body: body ?? '', sentAt: r.sent_at }
    if (body === null) {
      console.error(`chat room ${this.ctx.id.toString()}: message ${r.seq} could not be decrypted with FERNET_KEYS`)
      m.unreadable = true
    }
    if (r.read_at) m.readAt = r.read_at
    return m
  }

  private keyring(): Promise<FernetKeyring> {
    return keyringOf(this.env)
  }

  /** The member's bucket for sends, shared by all their sockets in this room. */
  private sender(userId: string): FloodGate {
    let gate = this.senders.get(userId)
    if (!gate) {
      gate = new FloodGate({
        ...this.limits,
        framesPerSecond: this.limits.sendsPerSecond,
        frameBurst: this.limits.sendBurst,
      })
      this.senders.set(userId, gate)
    }
    return gate
  }

  private rateLimited(ws: WebSocket, clientId: string | undefined): void {
    this.send(ws, { type: 'error', code: 'rate-limited', message: 'Slow down.', ...(clientId ? { clientId } : {}) })
  }

  private send(ws: WebSocket, frame: ServerFrame): void {
    this.sockets.send(ws, frame)
  }

  private broadcast(...frames: ServerFrame[]): void {
    this.sockets.broadcast(...frames)
  }

  /**
   * A member's name and email, read through worker/db and kept briefly (names can change);
   * concurrent upgrades (a reconnect storm) share one look-up.
   */
  private peerProfile(userId: string): Promise<Peer | null> {
    const now = Date.now()
    const hit = this.peers.get(userId)
    if (hit && now - hit.at < PEER_CACHE_MS) return hit.peer
    const peer = findPeer(this.env, userId)
    this.peers.set(userId, { peer, at: now })
    // A failed or empty look-up is not kept.
    void peer
      .catch(() => null)
      .then((found) => {
        if (!found && this.peers.get(userId)?.peer === peer) this.peers.delete(userId)
      })
    return peer
  }
}

function stored(r: MessageRow): StoredMessage {
  return {
    seq: r.seq,
    clientId: r.client_id,
    senderId: r.sender_id,
    token: r.body,
    sentAt: r.sent_at,
    readAt: r.read_at,
  }
}
