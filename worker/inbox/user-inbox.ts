// UserInbox Durable Object: one per user. Owns the user's conversation index, their
// notifications and notification sockets, and knows in which rooms they have sockets
// open (so ending a session can close them all).
import { DurableObject } from 'cloudflare:workers'
import { type BlockState, MAX_PREVIEW_CHARS, type Peer } from '../../protocol/api.ts'
import { attachmentLabel } from '../../protocol/attachment-labels.ts'
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
import type { Env, SessionContext } from '../env.ts'
import type { PassCursor, PassPage } from '../keys/token-tally.ts'
import { type PushNotice, pushConfigured, type StoredSubscription } from '../push/web-push.ts'
import { chatLimitsOf, SocketGates } from '../rooms/flood-gate.ts'
import { roomById } from '../rooms/room-key.ts'
import { admission, overloadedSocket, refusal, socketLimitsOf } from '../sockets/admission.ts'
import { closeWith } from '../sockets/close.ts'
import { EndedSessions } from '../sockets/ended-sessions.ts'
import { trySend } from '../sockets/send.ts'
import { UpgradeBucket, upgradeRateOf } from '../sockets/upgrade-rate.ts'
import { meterDurableObject } from '../usage/metered-object.ts'
import { attachMeter } from '../usage/object-meter.ts'
import { USER_INBOX_RPC } from '../usage/rpc-methods.ts'
import { AccountErasure } from './account-erasure.ts'
import { InboxBlocks } from './inbox-blocks.ts'
import { passInboxPage } from './inbox-reencrypt.ts'
import { forgetPurged } from './inbox-retention.ts'
import { type NotificationRow, NotificationStore } from './notification-store.ts'
import { PushSender } from './push-sender.ts'
import { type SessionCheck, SessionGate } from './session-gate.ts'
import { openAttachments, toMessage } from './stored-message.ts'
import type { ConversationReceipt, ConversationUpdate, StoredAttachment, StoredMessage } from './updates.ts'
import { migrateInbox } from './user-inbox-schema.ts'

const PEER_CACHE_MS = 60_000
/** Rooms told of a read receipts switch at once. */
const FAN_OUT = 20

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
  rev: number
  delivered_up_to: number
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
  private readonly upgrades: UpgradeBucket
  private readonly gates: SocketGates
  private readonly notifications: NotificationStore
  private readonly pushes: PushSender
  private readonly blocks: InboxBlocks
  private readonly erasure: AccountErasure
  private readonly sessions: SessionGate

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    // Billed requests, rows and storage, counted here and flushed to D1 in batches (worker/usage/).
    this.sql = attachMeter(this, ctx, env, guardSql(ctx.storage.sql), {
      source: 'user-inbox',
      r2Bytes: () => ctx.storage.kv.get<number>('storage_used') ?? 0,
    }).sql
    this.gates = new SocketGates(chatLimitsOf(env))
    this.notifications = new NotificationStore(this.sql)
    this.pushes = new PushSender(this.sql, ctx.storage, env)
    this.blocks = new InboxBlocks(this.sql)
    this.erasure = new AccountErasure(ctx, this.sql, env)
    this.sessions = new SessionGate(env, this.ended, (work) => ctx.waitUntil(work))
    this.upgrades = new UpgradeBucket(upgradeRateOf(env))
    void ctx.blockConcurrencyWhile(async () => migrateInbox(this.sql))
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME))
  }

  // ---- entry: the Worker forwards an authenticated notifications socket ----

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
      return new Response('Expected a WebSocket upgrade', { status: 426 })
    }
    const sessionId = request.headers.get('x-parley-session') ?? ''
    // The account is being erased: its sessions are gone, one still on its way is refused.
    if (this.erasure.active) return refusal('session-ended')
    // Overload: more upgrades than this inbox takes per second are told when to come back.
    const wait = this.upgrades.take()
    if (wait > 0) return overloadedSocket(wait)
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
    // A device is connected now: what reached this inbox while none was has reached it.
    const userId = request.headers.get('x-parley-user')
    if (userId) this.ctx.waitUntil(this.reportDelivered(userId))
    return new Response(null, { status: 101, webSocket: client })
  }

  // ---- RPC from ChatRoom ----

  /**
   * Applies a room's snapshot; older or repeated snapshots and notifications change nothing.
   * Edits and deletions apply only when they follow on from what this inbox has (`rev`);
   * the answer tells the room where to resume, and whether a device showed it live.
   */
  async applyConversation(update: ConversationUpdate): Promise<ConversationReceipt> {
    // The user's account was deleted: the room is erased instead (account-erasure.ts).
    if (this.erasure.claims(update.roomId)) return { rev: update.rev, deliveredUpTo: 0 }
    const current = this.sql
      .exec<ConversationRow>('select * from conversations where room_id = ?', update.roomId)
      .toArray()[0]
    let rev = current?.rev ?? 0
    let fresh: NotificationRow[] = []
    let changes: { edited: NotificationRow[]; removed: NotificationRow[] } = { edited: [], removed: [] }
    let marked = 0
    const changed = !current || update.version > current.version
    // A device is connected: the room marks these messages delivered from this answer.
    const live = this.ctx.getWebSockets().some((ws) => ws.readyState === WebSocket.OPEN)
    this.ctx.storage.transactionSync(() => {
      // A new conversation has no notifications an edit could concern.
      let nextRev = rev
      if (!current || update.changesAfter <= rev) {
        changes = this.notifications.applyChanges(update.roomId, update.changes)
        nextRev = Math.max(rev, update.rev)
      }
      if (update.purgedUpTo) changes.removed.push(...forgetPurged(this.sql, update.roomId, update.purgedUpTo))
      // De-duplicated by (room, seq): a seq at or below notified_up_to was notified already.
      const before = current?.notified_up_to ?? 0
      const added = this.notifications.add(update.roomId, update.peerId, update.notifications, before, update.readUpTo)
      fresh = added.fresh
      const notifiedUpTo = Math.max(before, added.notifiedUpTo)
      const deliveredBefore = current?.delivered_up_to ?? 0
      const deliveredUpTo = live ? Math.max(deliveredBefore, update.lastSeq) : deliveredBefore
      // The conversation's row is written once per delivery, whatever moved in it: each
      // statement on it is a row written, billed (issue 15).
      if (changed) this.writeConversation(update, nextRev, notifiedUpTo, deliveredUpTo)
      else if (nextRev !== rev || notifiedUpTo !== before || deliveredUpTo !== deliveredBefore) {
        this.sql.exec(
          'update conversations set rev = ?, notified_up_to = ?, delivered_up_to = ? where room_id = ?',
          nextRev,
          notifiedUpTo,
          deliveredUpTo,
          update.roomId,
        )
      }
      rev = nextRev
      // Reading in the room reads its notifications; only a moved read position can.
      if (update.readUpTo > (current?.read_up_to ?? 0))
        marked = this.notifications.readUpTo(update.roomId, update.readUpTo)
    })
    const notified = fresh.length > 0 || changes.edited.length > 0 || changes.removed.length > 0
    const unreadChanged = fresh.length > 0 || marked > 0 || changes.removed.some((r) => r.read === 0)
    if (live && (changed || notified || unreadChanged))
      await this.pushChanges(update.roomId, fresh, changes, unreadChanged)
    // Nobody is connected: tell the user's devices through Web Push instead.
    else if (!live && fresh.length > 0) this.ctx.waitUntil(this.sendPushes(update.userId, update.roomId, fresh))
    return { rev, deliveredUpTo: live ? update.lastSeq : 0 }
  }

  /** Tells the rooms whose latest messages no device of the user had that one has them now. */
  private async reportDelivered(userId: string): Promise<void> {
    const rows = this.sql
      .exec<{ room_id: string; last_seq: number }>(
        'select room_id, last_seq from conversations where last_seq > delivered_up_to',
      )
      .toArray()
    for (let i = 0; i < rows.length; i += FAN_OUT) {
      await Promise.all(
        rows.slice(i, i + FAN_OUT).map(async (r) => {
          await roomById(this.env, r.room_id).noteDelivered(userId, r.last_seq)
          this.noteReported(r.room_id, r.last_seq)
        }),
      )
    }
  }

  /** The conversation's row as this update has it, with the counters the inbox keeps. */
  private writeConversation(
    update: ConversationUpdate,
    rev: number,
    notifiedUpTo: number,
    deliveredUpTo: number,
  ): void {
    this.sql.exec(
      `insert into conversations (room_id, peer_id, version, last_seq, last_message, unread, read_up_to,
         peer_read_up_to, last_activity_at, notified_up_to, rev, delivered_up_to)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (room_id) do update set version = excluded.version, last_seq = excluded.last_seq,
         last_message = excluded.last_message, unread = excluded.unread, read_up_to = excluded.read_up_to,
         peer_read_up_to = excluded.peer_read_up_to, last_activity_at = excluded.last_activity_at,
         notified_up_to = excluded.notified_up_to, rev = excluded.rev, delivered_up_to = excluded.delivered_up_to`,
      update.roomId,
      update.peerId,
      update.version,
      update.lastSeq,
      update.lastMessage ? JSON.stringify(update.lastMessage) : null,
      update.unread,
      update.readUpTo,
      update.peerReadUpTo,
      update.lastActivityAt,
      notifiedUpTo,
      rev,
      deliveredUpTo,
    )
  }

  private noteReported(roomId: string, upTo: number): void {
    this.sql.exec(
      'update conversations set delivered_up_to = ? where room_id = ? and delivered_up_to < ?',
      upTo,
      roomId,
      upTo,
    )
  }

  /** The user switched read receipts: every room they are in hears of it. */
  async setReadReceipts(userId: string, on: boolean): Promise<void> {
    const rooms = this.sql
      .exec<{ room_id: string }>('select room_id from conversations union select room_id from socket_rooms')
      .toArray()
    for (let i = 0; i < rooms.length; i += FAN_OUT) {
      await Promise.all(
        rooms.slice(i, i + FAN_OUT).map((r) => roomById(this.env, r.room_id).setReadReceipts(userId, on)),
      )
    }
  }

  // ---- attachment storage quota ----

  /**
   * Counts an upload against the user's quota, or refuses it (counting nothing): `full` when
   * it would not fit, `deleted` while the account is being erased.
   */
  reserveStorage(bytes: number, quota: number): 'reserved' | 'full' | 'deleted' {
    if (this.erasure.active) return 'deleted'
    const used = this.ctx.storage.kv.get<number>('storage_used') ?? 0
    if (used + bytes > quota) return 'full'
    this.ctx.storage.kv.put('storage_used', used + bytes)
    return 'reserved'
  }

  /** An attachment was destroyed (or its upload failed): its bytes no longer count. */
  releaseStorage(bytes: number): void {
    const used = this.ctx.storage.kv.get<number>('storage_used') ?? 0
    this.ctx.storage.kv.put('storage_used', Math.max(0, used - bytes))
  }

  storageUsed(): number {
    return this.ctx.storage.kv.get<number>('storage_used') ?? 0
  }

  /** Key rotation (worker/keys/): counts, or re-encrypts, one bounded page of this inbox's tokens. */
  async reencryptPage(cursor: PassCursor | null, rewrite: boolean): Promise<PassPage> {
    return passInboxPage(this.sql, await keyringOf(this.env), cursor, rewrite)
  }

  // ---- Web Push subscriptions (one per device) ----

  /** False while the account is being erased: nothing new is kept. */
  addPushSubscription(sub: StoredSubscription): boolean {
    if (this.erasure.active) return false
    this.pushes.add(sub)
    return true
  }

  removePushSubscription(endpoint: string): boolean {
    return this.pushes.remove(endpoint)
  }

  pushSubscriptionCount(): number {
    return this.pushes.count()
  }

  /** A push a service accepted reached one of the user's devices: the room marks it delivered. */
  private async sendPushes(userId: string, roomId: string, fresh: NotificationRow[]): Promise<void> {
    if (!pushConfigured(this.env) || this.pushes.count() === 0) return
    const keys = await keyringOf(this.env)
    const peers = await this.peersOf(fresh.map((n) => n.peer_id))
    const notices: PushNotice[] = []
    for (const n of fresh) {
      const entry = await this.toNotification(keys, n, peers)
      if (!entry) continue
      const name = `${entry.peer.firstName} ${entry.peer.lastName}`.trim() || entry.peer.email
      notices.push({
        title: name,
        body: entry.preview,
        peerId: entry.peer.id,
        seq: entry.seq,
        // One visible notification per conversation: a newer one replaces it.
        tag: n.room_id.slice(0, 32),
      })
    }
    const accepted = await this.pushes.send(notices)
    const upTo = Math.max(0, ...accepted.map((n) => n.seq))
    if (upTo === 0) return
    await roomById(this.env, roomId).noteDelivered(userId, upTo)
    this.noteReported(roomId, upTo)
  }

  /**
   * A chat socket of this session is about to open in this room: noted first, so ending
   * the session reaches the room. False when the session has already ended here (the
   * Worker checked it against D1 just before, and the end arrived in between), or the
   * account is being erased.
   */
  admitSocket(roomId: string, sessionId: string): boolean {
    if (this.ended.has(sessionId) || this.erasure.active) return false
    this.sql.exec('insert or ignore into socket_rooms (room_id) values (?)', roomId)
    return true
  }

  // ---- RPC from the Worker ----

  /** DELETE /api/me, before D1 changes, then after (CONTRACT.md: Deleting an account; account-erasure.ts). */
  expectErasure(userId: string): Promise<void> {
    return this.erasure.expect(userId)
  }

  eraseAccount(userId: string): Promise<void> {
    return this.erasure.begin(userId)
  }

  override async alarm(): Promise<void> {
    await this.erasure.alarm()
  }

  /** From a room: the peer's account was deleted. Their notifications go; the list shows them deleted now. */
  async peerErased(roomId: string, peerId: string): Promise<void> {
    this.peers.delete(peerId)
    this.blocks.set(peerId, 'none')
    const removed = this.sql
      .exec<NotificationRow>('delete from notifications where room_id = ? and peer_id = ? returning *', roomId, peerId)
      .toArray()
    const unreadChanged = removed.some((r) => r.read === 0)
    await this.pushChanges(roomId, [], { edited: [], removed }, unreadChanged)
  }

  /** A block between the user and this peer began or ended (PUT/DELETE /api/me/blocks): the list shows it live. */
  async setBlock(peerId: string, state: BlockState): Promise<void> {
    if (!this.blocks.set(peerId, state)) return
    const row = this.sql
      .exec<ConversationRow>('select * from conversations where peer_id = ? and last_message is not null', peerId)
      .toArray()[0]
    if (!row || !this.ctx.getWebSockets().length) return
    const conversation = await this.toEntry(await keyringOf(this.env), row, await this.peersOf([peerId]))
    if (conversation) this.broadcast({ type: 'conversation', conversation })
  }

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
    const rows = this.notifications.page(before, limit)
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
    if (this.notifications.markRead(ids) > 0) this.broadcast(this.unreadFrame())
  }

  /**
   * Whether this session of the user is live, for every signed-in request (SessionGate,
   * ADR 010); null when it is not, or the account is being erased.
   */
  checkSession(userId: string, sessionId: string, how: SessionCheck = {}): Promise<SessionContext | null> | null {
    if (this.erasure.active) return null
    return this.sessions.check(userId, sessionId, how)
  }

  /** The user's row changed in D1 (names, roles, settings): the next request reads it again. */
  userChanged(): void {
    this.sessions.forget(null)
  }

  /**
   * Closes this user's sockets of the given sessions (all when null) with 4401, here and in
   * every room. Called after D1 records the end, and awaited before the Worker answers: from
   * the moment it starts, this inbox refuses those sessions' requests and upgrades.
   */
  async endSessions(userId: string, sessionIds: string[] | null): Promise<void> {
    // Recorded before anything awaits: an upgrade admitted from now on is refused, and one
    // admitted before is in socket_rooms, so its room hears of the end below.
    if (sessionIds) this.ended.add(sessionIds)
    this.sessions.forget(sessionIds)
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

  private async pushChanges(
    roomId: string,
    fresh: NotificationRow[],
    changes: { edited: NotificationRow[]; removed: NotificationRow[] },
    unreadChanged: boolean,
  ): Promise<void> {
    const row = this.sql.exec<ConversationRow>('select * from conversations where room_id = ?', roomId).toArray()[0]
    if (!row) return
    const keys = await keyringOf(this.env)
    const peers = await this.peersOf([row.peer_id])
    const conversation = await this.toEntry(keys, row, peers)
    if (conversation) this.broadcast({ type: 'conversation', conversation })
    for (const r of changes.removed) {
      this.broadcast({ type: 'notification-removed', id: String(r.id), peerId: r.peer_id, seq: r.seq })
    }
    for (const n of [...fresh, ...changes.edited]) {
      const notification = await this.toNotification(keys, n, peers)
      if (notification) this.broadcast({ type: 'notification', notification })
    }
    if (unreadChanged) this.broadcast(this.unreadFrame())
  }

  private unreadFrame(): Extract<NotificationFrame, { type: 'unread' }> {
    return { type: 'unread', ...this.notifications.unread() }
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
      // A deleted account's blocks are gone from D1 with it; a row left here means nothing.
      blocked: peer.deleted ? 'none' : this.blocks.of(r.peer_id),
    }
  }

  private async toNotification(
    keys: FernetKeyring,
    r: NotificationRow,
    peers: Map<string, Peer>,
  ): Promise<NotificationEntry | null> {
    const peer = peers.get(r.peer_id)
    if (!peer) return null
    const text = (await decryptText(keys, r.token)) ?? ''
    const body =
      text === '' && r.attachments
        ? attachmentLabel(await openAttachments(keys, JSON.parse(r.attachments) as StoredAttachment[]))
        : text
    return {
      id: String(r.id),
      kind: 'message',
      peer,
      seq: r.seq,
      preview: cutCodePoints(body, MAX_PREVIEW_CHARS),
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

meterDurableObject(UserInbox, USER_INBOX_RPC)
