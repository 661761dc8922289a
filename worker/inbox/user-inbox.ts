// UserInbox Durable Object: one per user. Owns the user's conversation index, their
// notifications and notification sockets, and knows in which rooms they have sockets
// open (so ending a session can close them all).
import { DurableObject } from 'cloudflare:workers'
import type { Message, Peer } from '../../protocol/api.ts'
import {
  type ConversationEntry,
  MAX_FRAME_BYTES,
  type NotificationEntry,
  type NotificationFrame,
  PING_FRAME,
  PONG_FRAME,
  utf8Length,
} from '../../protocol/frames.ts'
import { cutCodePoints } from '../../protocol/text.ts'
import { decryptText, type FernetKeyring } from '../crypto/fernet.ts'
import { keyringOf } from '../crypto/keys.ts'
import { openDb } from '../db/client.ts'
import { guardSql } from '../db/param-limit.ts'
import { findPeers } from '../db/users.ts'
import type { Env } from '../env.ts'
import {
  isKnownPushService,
  type PushNotice,
  type PushOutcome,
  pushConfigured,
  pushServiceHosts,
  type StoredSubscription,
  sendPush,
} from '../push/web-push.ts'
import { chatLimitsOf, SocketGates } from '../rooms/flood-gate.ts'
import { roomById } from '../rooms/room-key.ts'
import { admission, refusal, socketLimitsOf } from '../sockets/admission.ts'
import { closeWith } from '../sockets/close.ts'
import { EndedSessions } from '../sockets/ended-sessions.ts'
import { trySend } from '../sockets/send.ts'
import type { ConversationUpdate, StoredMessage } from './updates.ts'
import { migrateInbox } from './user-inbox-schema.ts'

export const PREVIEW_CHARS = 140
/** Older notifications are pruned: a notification is a nudge, the room keeps the message. */
export const MAX_NOTIFICATIONS = 500
const PEER_CACHE_MS = 60_000
/** Devices per user that get pushes; the oldest subscription makes way for a new one. */
export const MAX_PUSH_SUBSCRIPTIONS = 20
/** Consecutive failed pushes (5xx, other non-2xx, network errors) after which a subscription is dropped. */
export const MAX_PUSH_FAILURES = 5

interface ConversationRow extends Record<string, SqlStorageValue> {
  room_id: string
  peer_id: string
  version: number
  last_message: string | null
  unread: number
  read_up_to: number
  peer_read_up_to: number
  last_activity_at: string
  notified_up_to: number
}

interface NotificationRow extends Record<string, SqlStorageValue> {
  id: number
  room_id: string
  peer_id: string
  seq: number
  token: string
  created_at: string
  read: number
}

interface SocketAttachment {
  sessionId: string
}

export interface NotificationPage {
  notifications: NotificationEntry[]
  unreadTotal: number
}

export class UserInbox extends DurableObject<Env> {
  private readonly sql: SqlStorage
  private readonly peers = new Map<string, { peer: Peer; at: number }>()
  /** Sessions ended here lately: their upgrades still on the way are refused (EndedSessions). */
  private readonly ended = new EndedSessions()
  private readonly gates: SocketGates

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = guardSql(ctx.storage.sql)
    this.gates = new SocketGates(chatLimitsOf(env))
    void ctx.blockConcurrencyWhile(async () => migrateInbox(this.sql))
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME))
  }

  // ---- entry: the Worker forwards an authenticated notifications socket ----

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
      return new Response('Expected a WebSocket upgrade', { status: 426 })
    }
    const sessionId = request.headers.get('x-parley-session') ?? ''
    const open = this.ctx
      .getWebSockets()
      .filter((ws) => ws.readyState === WebSocket.OPEN)
      .map((ws) => ws.deserializeAttachment() as SocketAttachment)
    const verdict = admission(open, sessionId, this.ended, socketLimitsOf(this.env))
    if (verdict !== 'ok') return refusal(verdict)
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket]
    this.ctx.acceptWebSocket(server, [sessionId])
    server.serializeAttachment({ sessionId } satisfies SocketAttachment)
    server.send(JSON.stringify(this.unreadFrame()))
    return new Response(null, { status: 101, webSocket: client })
  }

  // ---- RPC from ChatRoom ----

  /** Applies a room's snapshot; older or repeated snapshots and notifications change nothing. */
  async applyConversation(update: ConversationUpdate): Promise<void> {
    const current = this.sql
      .exec<ConversationRow>('select * from conversations where room_id = ?', update.roomId)
      .toArray()[0]
    const fresh: NotificationRow[] = []
    let changed = false
    let marked = 0
    this.ctx.storage.transactionSync(() => {
      if (!current || update.version > current.version) {
        changed = true
        this.sql.exec(
          `insert into conversations (room_id, peer_id, version, last_seq, last_message, unread, read_up_to,
             peer_read_up_to, last_activity_at, notified_up_to)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
           on conflict (room_id) do update set version = excluded.version, last_seq = excluded.last_seq,
             last_message = excluded.last_message, unread = excluded.unread, read_up_to = excluded.read_up_to,
             peer_read_up_to = excluded.peer_read_up_to, last_activity_at = excluded.last_activity_at`,
          update.roomId,
          update.peerId,
          update.version,
          update.lastSeq,
          update.lastMessage ? JSON.stringify(update.lastMessage) : null,
          update.unread,
          update.readUpTo,
          update.peerReadUpTo,
          update.lastActivityAt,
        )
      }
      // De-duplicated by (room, seq): a seq at or below notified_up_to was notified already.
      let notifiedUpTo = current?.notified_up_to ?? 0
      for (const n of update.notifications) {
        if (n.seq <= notifiedUpTo || n.seq <= update.readUpTo) continue
        const row = this.sql
          .exec<NotificationRow>(
            `insert into notifications (room_id, peer_id, seq, token, created_at, read) values (?, ?, ?, ?, ?, 0)
             on conflict (room_id, seq) do nothing returning *`,
            update.roomId,
            update.peerId,
            n.seq,
            n.token,
            n.sentAt,
          )
          .toArray()[0]
        if (row) fresh.push(row)
        notifiedUpTo = n.seq
      }
      if (notifiedUpTo > (current?.notified_up_to ?? 0)) {
        this.sql.exec('update conversations set notified_up_to = ? where room_id = ?', notifiedUpTo, update.roomId)
      }
      // Reading in the room reads its notifications; only a moved read position can.
      if (update.readUpTo > (current?.read_up_to ?? 0)) {
        marked = this.sql.exec(
          'update notifications set read = 1 where room_id = ? and seq <= ? and read = 0',
          update.roomId,
          update.readUpTo,
        ).rowsWritten
      }
      if (fresh.length > 0) this.prune()
      changed ||= fresh.length > 0 || marked > 0
    })
    if (!changed) return
    if (this.ctx.getWebSockets().length > 0)
      await this.pushChanges(update.roomId, fresh, fresh.length > 0 || marked > 0)
    // Nobody is connected: tell the user's devices through Web Push instead.
    else if (fresh.length > 0) this.ctx.waitUntil(this.sendPushes(fresh))
  }

  // ---- Web Push subscriptions (one per device) ----

  addPushSubscription(sub: StoredSubscription): void {
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        `insert into push_subscriptions (endpoint, p256dh, auth, created_at) values (?, ?, ?, ?)
         on conflict (endpoint) do update set p256dh = excluded.p256dh, auth = excluded.auth`,
        sub.endpoint,
        sub.p256dh,
        sub.auth,
        new Date().toISOString(),
      )
      this.sql.exec(
        'delete from push_subscriptions where endpoint not in (select endpoint from push_subscriptions order by created_at desc limit ?)',
        MAX_PUSH_SUBSCRIPTIONS,
      )
    })
  }

  removePushSubscription(endpoint: string): boolean {
    return this.sql.exec('delete from push_subscriptions where endpoint = ?', endpoint).rowsWritten > 0
  }

  pushSubscriptionCount(): number {
    return this.sql.exec<{ n: number }>('select count(*) as n from push_subscriptions').one().n
  }

  private async sendPushes(fresh: NotificationRow[]): Promise<void> {
    if (!pushConfigured(this.env)) return
    // A subscription stored before its host left the allow-list is never fetched again.
    const hosts = pushServiceHosts(this.env)
    const stored = this.sql
      .exec<StoredSubscription & Record<string, SqlStorageValue>>(
        'select endpoint, p256dh, auth from push_subscriptions',
      )
      .toArray()
    let subs: StoredSubscription[] = []
    for (const s of stored) {
      if (isKnownPushService(s.endpoint, hosts)) subs.push(s)
      else this.removePushSubscription(s.endpoint)
    }
    if (subs.length === 0) return
    const keys = await keyringOf(this.env)
    const peers = await this.peersOf(fresh.map((n) => n.peer_id))
    for (const n of fresh) {
      const entry = await this.toNotification(keys, n, peers)
      if (!entry) continue
      const name = `${entry.peer.firstName} ${entry.peer.lastName}`.trim() || entry.peer.email
      const notice: PushNotice = {
        title: name,
        body: entry.preview,
        peerId: entry.peer.id,
        seq: entry.seq,
        // One visible notification per conversation: a newer one replaces it.
        tag: n.room_id.slice(0, 32),
      }
      const outcomes = await Promise.all(subs.map((s) => sendPush(this.env, s, notice)))
      subs = subs.filter((s, i) => this.notePushOutcome(s.endpoint, outcomes[i]!))
      if (subs.length === 0) return
    }
  }

  /**
   * 404/410 drop a subscription at once; any other failure only after MAX_PUSH_FAILURES in
   * a row, and a delivered push starts the count again. True while the subscription stays.
   */
  private notePushOutcome(endpoint: string, outcome: PushOutcome): boolean {
    if (outcome === 'sent') {
      this.sql.exec('update push_subscriptions set failures = 0 where endpoint = ? and failures > 0', endpoint)
      return true
    }
    if (outcome === 'gone') {
      this.removePushSubscription(endpoint)
      return false
    }
    this.sql.exec('update push_subscriptions set failures = failures + 1 where endpoint = ?', endpoint)
    const dropped = this.sql.exec(
      'delete from push_subscriptions where endpoint = ? and failures >= ?',
      endpoint,
      MAX_PUSH_FAILURES,
    ).rowsWritten
    return dropped === 0
  }

  /**
   * A chat socket of this session is about to open in this room: noted first, so ending
   * the session reaches the room. False when the session has already ended here: the
   * Worker checked it against D1 just before, and the end arrived in between.
   */
  admitSocket(roomId: string, sessionId: string): boolean {
    if (this.ended.has(sessionId)) return false
    this.sql.exec('insert or ignore into socket_rooms (room_id) values (?)', roomId)
    return true
  }

  // ---- RPC from the Worker ----

  async listConversations(): Promise<ConversationEntry[]> {
    const rows = this.sql
      .exec<ConversationRow>(
        'select * from conversations where last_message is not null order by last_activity_at desc',
      )
      .toArray()
    const keys = await keyringOf(this.env)
    const peers = await this.peersOf(rows.map((r) => r.peer_id))
    const entries = await Promise.all(rows.map((r) => this.toEntry(keys, r, peers)))
    return entries.filter((e): e is ConversationEntry => e !== null)
  }

  async listNotifications(before: number | null, limit: number): Promise<NotificationPage> {
    const rows = this.sql
      .exec<NotificationRow>(
        'select * from notifications where id < ? order by id desc limit ?',
        before ?? Number.MAX_SAFE_INTEGER,
        limit,
      )
      .toArray()
    const keys = await keyringOf(this.env)
    const peers = await this.peersOf(rows.map((r) => r.peer_id))
    const notifications = await Promise.all(rows.map((r) => this.toNotification(keys, r, peers)))
    return {
      notifications: notifications.filter((n): n is NotificationEntry => n !== null),
      unreadTotal: this.unreadFrame().total,
    }
  }

  /** Marks notifications read (never the messages themselves). */
  markNotificationsRead(ids: number[] | 'all'): void {
    const written =
      ids === 'all'
        ? this.sql.exec('update notifications set read = 1 where read = 0').rowsWritten
        : ids.reduce(
            (n, id) => n + this.sql.exec('update notifications set read = 1 where id = ? and read = 0', id).rowsWritten,
            0,
          )
    if (written > 0) this.broadcast(this.unreadFrame())
  }

  /** Closes this user's sockets of the given sessions (all when null) with 4401, here and in every room. */
  async endSessions(userId: string, sessionIds: string[] | null): Promise<void> {
    // Recorded before anything awaits: an upgrade admitted from now on is refused, and one
    // admitted before is in socket_rooms, so its room hears of the end below.
    if (sessionIds) this.ended.add(sessionIds)
    const ended = sessionIds ? new Set(sessionIds) : null
    for (const ws of this.ctx.getWebSockets()) {
      const att = ws.deserializeAttachment() as SocketAttachment | null
      if (ended && !(att && ended.has(att.sessionId))) continue
      closeWith(ws, 4401, 'session ended')
    }
    const rooms = this.sql.exec<{ room_id: string }>('select room_id from socket_rooms').toArray()
    await Promise.all(rooms.map((r) => roomById(this.env, r.room_id).closeSessions(userId, sessionIds)))
  }

  // ---- socket handlers ----

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    // The same size and rate limits as a chat socket, checked before anything is parsed.
    const gate = this.gates.of(ws)
    if (!gate.admit()) {
      if (gate.shouldClose()) return closeWith(ws, 4408, 'closed for flooding')
      return trySend(ws, JSON.stringify({ type: 'error', code: 'rate-limited', message: 'Slow down.' }))
    }
    const size = typeof raw === 'string' ? utf8Length(raw) : raw.byteLength
    if (size > MAX_FRAME_BYTES) {
      const message = `Frames are limited to ${MAX_FRAME_BYTES / 1024} KiB.`
      return trySend(ws, JSON.stringify({ type: 'error', code: 'frame-too-large', message }))
    }
    // Only ping is meaningful here; any spelling of it is answered (the exact bytes never wake us).
    try {
      const frame = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw)) as { type?: unknown }
      if (frame?.type === 'ping') return trySend(ws, PONG_FRAME)
    } catch {
      return trySend(ws, JSON.stringify({ type: 'error', code: 'bad-json', message: 'The frame is not valid JSON.' }))
    }
    trySend(ws, JSON.stringify({ type: 'error', code: 'bad-frame', message: 'This socket only answers ping.' }))
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, 'closed')
    } catch {
      // already closed
    }
  }

  // ---- helpers ----

  private async pushChanges(roomId: string, fresh: NotificationRow[], unreadChanged: boolean): Promise<void> {
    const row = this.sql.exec<ConversationRow>('select * from conversations where room_id = ?', roomId).toArray()[0]
    if (!row) return
    const keys = await keyringOf(this.env)
    const peers = await this.peersOf([row.peer_id])
    const conversation = await this.toEntry(keys, row, peers)
    if (conversation) this.broadcast({ type: 'conversation', conversation })
    for (const n of fresh) {
      const notification = await this.toNotification(keys, n, peers)
      if (notification) this.broadcast({ type: 'notification', notification })
    }
    if (unreadChanged) this.broadcast(this.unreadFrame())
  }

  private unreadFrame(): Extract<NotificationFrame, { type: 'unread' }> {
    const byPeer: Record<string, number> = {}
    let total = 0
    for (const r of this.sql.exec<{ peer_id: string; n: number }>(
      'select peer_id, count(*) as n from notifications where read = 0 group by peer_id',
    )) {
      byPeer[r.peer_id] = r.n
      total += r.n
    }
    return { type: 'unread', total, byPeer }
  }

  private prune(): void {
    this.sql.exec(
      'delete from notifications where id <= (select id from notifications order by id desc limit 1 offset ?)',
      MAX_NOTIFICATIONS,
    )
  }

  private async toEntry(
    keys: FernetKeyring,
    r: ConversationRow,
    peers: Map<string, Peer>,
  ): Promise<ConversationEntry | null> {
    const peer = peers.get(r.peer_id)
    if (!peer) return null
    const stored = r.last_message ? (JSON.parse(r.last_message) as StoredMessage) : null
    return {
      peer,
      lastMessage: stored ? await toMessage(keys, stored) : null,
      unread: r.unread,
      peerReadUpTo: r.peer_read_up_to,
    }
  }

  private async toNotification(
    keys: FernetKeyring,
    r: NotificationRow,
    peers: Map<string, Peer>,
  ): Promise<NotificationEntry | null> {
    const peer = peers.get(r.peer_id)
    if (!peer) return null
    const body = (await decryptText(keys, r.token)) ?? ''
    return {
      id: String(r.id),
      kind: 'message',
      peer,
      seq: r.seq,
      preview: cutCodePoints(body, PREVIEW_CHARS),
      createdAt: r.created_at,
      read: r.read === 1,
    }
  }

  /** Peers' current names from D1 (names can change), cached briefly in memory. */
  private async peersOf(ids: string[]): Promise<Map<string, Peer>> {
    const now = Date.now()
    const result = new Map<string, Peer>()
    const missing: string[] = []
    for (const id of new Set(ids)) {
      const hit = this.peers.get(id)
      if (hit && now - hit.at < PEER_CACHE_MS) result.set(id, hit.peer)
      else missing.push(id)
    }
    if (missing.length === 0) return result
    for (const peer of await findPeers(openDb(this.env.DB), await keyringOf(this.env), missing)) {
      this.peers.set(peer.id, { peer, at: now })
      result.set(peer.id, peer)
    }
    return result
  }

  private broadcast(frame: NotificationFrame): void {
    const text = JSON.stringify(frame)
    for (const ws of this.ctx.getWebSockets()) trySend(ws, text)
  }
}

async function toMessage(keys: FernetKeyring, s: StoredMessage): Promise<Message> {
  const body = await decryptText(keys, s.token)
  const m: Message = { seq: s.seq, clientId: s.clientId, senderId: s.senderId, body: body ?? '', sentAt: s.sentAt }
  // The room logs which message it is; the list shows it as unreadable, like the room does.
  if (body === null) m.unreadable = true
  if (s.readAt) m.readAt = s.readAt
  return m
}
