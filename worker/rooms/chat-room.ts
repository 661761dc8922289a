// ChatRoom Durable Object: one per pair of users. Owns the pair's messages (its own SQLite,
// bodies as Fernet tokens), read and delivery state, the members' hibernatable chat sockets,
// and the outbox that tells both members' UserInbox objects what changed. The parts:
//   message-log.ts     the log, synchronous SQL     member-state.ts  read/delivered/receipts
//   change-batch.ts    a group commit's frames      message-view.ts  rows as Messages
//   group-commit.ts    batching writes              inbox-snapshot.ts what an inbox is told
//   outbox.ts          when inboxes are told        room-sockets.ts  who is connected
import { DurableObject } from 'cloudflare:workers'
import type { Message, Peer } from '../../protocol/api.ts'
import {
  type ClientFrame,
  type Notice,
  PING_FRAME,
  PONG_FRAME,
  parseClientFrame,
  type ServerFrame,
} from '../../protocol/frames.ts'
import { attachmentLimitsOf } from '../attachments/attachment-limits.ts'
import { encryptText, type FernetKeyring } from '../crypto/fernet.ts'
import { keyringOf } from '../crypto/keys.ts'
import { guardSql } from '../db/param-limit.ts'
import { toPeer } from '../db/users.ts'
import type { Env } from '../env.ts'
import { Problem } from '../http/problem.ts'
import type { ConversationUpdate } from '../inbox/updates.ts'
import { keyFingerprints } from '../keys/fingerprints.ts'
import type { PassCursor, PassPage } from '../keys/token-tally.ts'
import { overloadedSocket, refusal, socketLimitsOf } from '../sockets/admission.ts'
import { closeWith } from '../sockets/close.ts'
import { UpgradeBucket, upgradeRateOf } from '../sockets/upgrade-rate.ts'
import { meterDurableObject } from '../usage/metered-object.ts'
import { attachMeter } from '../usage/object-meter.ts'
import { CHAT_ROOM_RPC } from '../usage/rpc-methods.ts'
import { ActivityCounters } from './activity-counters.ts'
import { BodyCache } from './body-cache.ts'
import { applyBatch, type ChangeFrame, isPlainSend, type PendingChange } from './change-batch.ts'
import { editWindowMsOf } from './change-rules.ts'
import { migrate } from './chat-room-schema.ts'
import { chatLimitsOf, type FloodGate, MemberGates, SocketGates } from './flood-gate.ts'
import { GroupCommit } from './group-commit.ts'
import { InboxSnapshots } from './inbox-snapshot.ts'
import { MemberErasure } from './member-erasure.ts'
import { MemberState } from './member-state.ts'
import { MessageLog, type MessageRow } from './message-log.ts'
import { MessageView } from './message-view.ts'
import { Notices } from './notices.ts'
import { Outbox } from './outbox.ts'
import { openPeerRow } from './peer-header.ts'
import { PeerProfiles } from './peer-profiles.ts'
import { type AttachmentRow, RoomAttachments } from './room-attachments.ts'
import { parseBlockers, RoomBlocks } from './room-blocks.ts'
import { type ExportPage, RoomExport } from './room-export.ts'
import { type Downloadable, type NewUpload, RoomFiles } from './room-files.ts'
import { passRoomPage } from './room-reencrypt.ts'
import { RoomRetention } from './room-retention.ts'
import { type SocketAttachment as Attachment, attachmentOf, RoomSockets } from './room-sockets.ts'

export interface HistoryPage {
  messages: Message[]
  hasMore: boolean
  notices: Notice[]
}

export interface StoredPage {
  messages: {
    seq: number
    senderId: string
    sentAt: string
    readAt?: string
    editedAt?: string
    deletedAt?: string
    ciphertext: string
    attachments?: { id: string; size: number }[]
  }[]
  hasMore: boolean
}

/** Ids only: people's data (names, emails) never travel in headers, where they could reach a log. */
export const ROOM_HEADERS = {
  user: 'x-parley-user',
  session: 'x-parley-session',
  members: 'x-parley-members',
  /** Both members' read receipts switches, `1` or `0`, in the order of `members`. */
  receipts: 'x-parley-receipts',
  /** The members who blocked the other, comma-separated ('' for none): see room-blocks.ts. */
  blockers: 'x-parley-blockers',
  /** The peer's row, sealed (peer-header.ts): no D1 read in the room on a cold start. */
  peer: 'x-parley-peer',
} as const

/** How long a conversation's first message may wait for both lists to have it before it is acknowledged anyway. */
const FIRST_LISTING_WAIT_MS = 2_000
/** A step of the alarm that failed (R2 or D1 down) runs again this much later. */
const ALARM_RETRY_MS = 60_000

export class ChatRoom extends DurableObject<Env> {
  private readonly sql: SqlStorage
  private members: [string, string] | null = null
  private readonly log: MessageLog
  private readonly state: MemberState
  private readonly snapshots: InboxSnapshots
  private readonly notices: Notices
  private readonly bodies = new BodyCache()
  private readonly view: MessageView
  private readonly attachments: RoomAttachments
  private readonly maxAttachmentBytes: number
  private readonly files: RoomFiles
  private readonly counters: ActivityCounters
  private alarmAt: number | null = null
  /** Deliveries the inboxes reported while a first message waited to be listed (listNewConversation). */
  private heldDeliveries: [string, number][] | null = null
  // The outbox needs no table of its own: every change also sets the alarm in the same
  // commit, and a room that wakes (after eviction or a crash) redelivers to both members,
  // which inboxes ignore when they already have that version.
  private readonly outbox: Outbox
  private readonly commits: GroupCommit<PendingChange>
  private readonly gates: SocketGates
  private readonly writers: MemberGates
  private readonly upgrades: UpgradeBucket
  private readonly editWindowMs: number
  private readonly sockets: RoomSockets
  private readonly profiles: PeerProfiles
  private readonly retention: RoomRetention
  private readonly erasure: MemberErasure
  private readonly blocks: RoomBlocks
  private readonly exports: RoomExport

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    // Billed requests, rows and storage, counted here and flushed to D1 in batches (worker/usage/).
    this.sql = attachMeter(this, ctx, env, guardSql(ctx.storage.sql), { source: 'chat-room' }).sql
    this.log = new MessageLog(ctx.storage, this.sql)
    this.counters = new ActivityCounters(env, this.sql, this.log, ctx.id.toString())
    this.state = new MemberState(this.sql)
    this.attachments = new RoomAttachments(this.sql)
    this.blocks = new RoomBlocks(this.sql)
    this.snapshots = new InboxSnapshots(ctx.id.toString(), this.log, this.state, this.attachments)
    this.notices = new Notices(this.sql)
    this.maxAttachmentBytes = attachmentLimitsOf(env).maxBytes
    this.files = new RoomFiles(env, this.sql, this.attachments)
    this.retention = new RoomRetention(env, this.sql, this.log, this.files)
    this.view = new MessageView(this.log, this.attachments, this.bodies, () => this.keyring(), ctx.id.toString())
    this.profiles = new PeerProfiles(env)
    this.erasure = new MemberErasure(this.sql, this.log, this.attachments)
    this.exports = new RoomExport(this.sql, this.log, this.attachments, () => this.keyring(), ctx.id.toString())
    const limits = chatLimitsOf(env)
    this.editWindowMs = editWindowMsOf(env)
    this.gates = new SocketGates(limits)
    this.writers = new MemberGates(limits)
    this.upgrades = new UpgradeBucket(upgradeRateOf(env))
    this.sockets = new RoomSockets(ctx, socketLimitsOf(env))
    this.outbox = new Outbox({
      deliverTo: (userId) => this.deliverTo(userId),
      retryLater: (ms) => this.armAlarm(ms),
      waitUntil: (work) => ctx.waitUntil(work),
    })
    this.commits = new GroupCommit(
      (batch) => this.commit(batch),
      (err) => {
        // Storage or the keyring failed: nothing of the batch was acknowledged, and the
        // clients resend with the same clientIds once the socket closes.
        console.error('chat room: changes could not be stored', err)
        this.sockets.closeAll(1011, 'could not store messages')
      },
    )
    void ctx.blockConcurrencyWhile(async () => {
      migrate(this.sql)
      this.load()
      this.alarmAt = await ctx.storage.getAlarm()
      // Every wake arms the retention alarm too, so a room idle since before the policy still
      // purges; nothing else (what is owed already has its alarm, committed with the change).
      const purgeAt = this.retention.nextAt()
      if (purgeAt !== null && (this.alarmAt === null || purgeAt < this.alarmAt)) {
        await ctx.storage.setAlarm(purgeAt)
        this.alarmAt = purgeAt
      }
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
    this.noteReceipts(request.headers.get(ROOM_HEADERS.receipts))
    this.setBlocks(this.members!, parseBlockers(request.headers.get(ROOM_HEADERS.blockers)))
    // Overload: more upgrades than this room takes per second are told when to come back.
    const wait = this.upgrades.take()
    if (wait > 0) return overloadedSocket(wait)
    // Refused before any work; checked again below, after the awaits.
    const early = this.sockets.admission(userId, sessionId)
    if (early !== 'ok') return refusal(early)
    const params = new URL(request.url).searchParams
    // A page that opens hidden can say so at once, so no message slips by un-notified.
    const viewing = params.get('viewing') !== 'false'
    const after = cursor(params.get('after'))
    const since = cursor(params.get('since'))

    const peerId = this.peerOf(userId)
    const keys = await keyringOf(this.env)
    const sealed = await openPeerRow(keys, request.headers.get(ROOM_HEADERS.peer), peerId)
    if (sealed) this.profiles.prime(peerId, await toPeer(keys, sealed))
    const peer = await this.profiles.of(peerId)
    if (!peer) return new Problem(404, 'user-not-found', 'There is no user with that id.').toResponse()
    if (this.erasure.isErased(userId)) return refusal('session-ended')
    // A room the deletion has not reached yet (or never listed) learns of it here.
    if (peer.deleted && !this.erasure.isErased(peer.id)) await this.eraseMember(peer.id)
    for (;;) {
      // From here on nothing awaits once the replay is built: the socket joins the broadcast
      // set in the same turn, so no live frame can overtake (or repeat) a replayed one. A
      // session that ended while this upgrade was on its way is refused here, after every await.
      const admission = this.sockets.admission(userId, sessionId)
      if (admission !== 'ok') return refusal(admission)
      const replay = this.view.replay(after, since, { readAt: this.receiptsOn() })
      if (!replay.ok) {
        await this.view.warm(replay.missing)
        continue
      }
      // Opening the conversation brings the peer's messages to one of this member's devices.
      this.advanceDelivery(userId, this.log.lastSeq)
      const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket]
      this.sockets.accept(server, { userId, sessionId, viewing })
      this.send(server, this.readyFrame(userId, peer))
      for (const frame of replay.frames) this.send(server, frame)
      return new Response(null, { status: 101, webSocket: client })
    }
  }

  // ---- RPC from the Worker and from UserInbox ----

  /** History over HTTP: the newest `limit` messages before `before`, ascending. */
  async history(
    userId: string,
    members: [string, string],
    before: number | null,
    limit: number,
    receipts?: string,
    blockers?: string[],
  ): Promise<HistoryPage> {
    this.ensureMembers(...members)
    if (!this.isMember(userId)) throw new Error('not a member of this conversation')
    this.noteReceipts(receipts ?? null)
    this.setBlocks(members, blockers ?? null)
    let hasMore = false
    const messages = await this.view.messages(
      () => {
        const page = this.log.page(before, limit)
        hasMore = page.hasMore
        return page.rows
      },
      { readAt: this.receiptsOn() },
    )
    return { messages, hasMore, notices: this.notices.list() }
  }

  /** A page of the member's data export: the messages after `afterSeq`, ascending, as history shows them. */
  async exportPage(
    userId: string,
    members: [string, string],
    afterSeq: number,
    limit: number,
    receipts?: string,
  ): Promise<ExportPage> {
    this.ensureMembers(...members)
    if (!this.isMember(userId)) throw new Error('not a member of this conversation')
    this.noteReceipts(receipts ?? null)
    return this.exports.page(afterSeq, limit, { readAt: this.receiptsOn() })
  }

  /** Staff view of stored messages: metadata and the Fernet token ('' once deleted), never plaintext. */
  storedMessages(before: number | null, limit: number): StoredPage {
    const { rows, hasMore } = this.log.page(before, limit)
    const files = rows.length > 0 ? this.attachments.ofRange(rows[0]!.seq, rows.at(-1)!.seq) : new Map()
    return {
      hasMore,
      messages: rows.map((r) => ({
        ...(files.has(r.seq)
          ? { attachments: files.get(r.seq)!.map((a: AttachmentRow) => ({ id: a.id, size: a.size })) }
          : {}),
        seq: r.seq,
        senderId: r.sender_id,
        sentAt: r.sent_at,
        ...(r.read_at ? { readAt: r.read_at } : {}),
        ...(r.edited_at ? { editedAt: r.edited_at } : {}),
        ...(r.deleted_at ? { deletedAt: r.deleted_at } : {}),
        ciphertext: r.body,
      })),
    }
  }

  /** Records that staff viewed the stored messages; tells the members live, at most hourly per staff member. */
  recordAdminView(staffId: string, now = Date.now()): Notice | null {
    const notice = this.notices.record(staffId, now)
    if (notice) this.broadcast({ type: 'notice', notice })
    return notice
  }

  /** The retention walk's nudge (retention-walk.ts): reads the policy again and arms the purge; true when one is planned. */
  nudgeRetention(): boolean {
    this.retention.plan()
    this.armAlarm()
    return this.retention.nextAt() !== null
  }

  /**
   * Closes the user's sockets of these sessions (all when null) with 4401; an upgrade of
   * one of them that is still on its way is refused when it arrives.
   */
  closeSessions(userId: string, sessionIds: string[] | null, code = 4401, reason = 'session ended'): number {
    return this.sockets.closeSessions(userId, sessionIds, code, reason)
  }

  /** An upload the Worker stored in R2: it waits here for a send, or for the sweep after 24 h. */
  addUpload(members: [string, string], upload: NewUpload): void {
    this.ensureMembers(...members)
    if (!this.isMember(upload.uploaderId)) throw new Error('not a member of this conversation')
    this.files.add(upload)
    this.view.remember(upload.id, upload.name)
    this.armAlarm()
  }

  /** What `userId` may download, or null, exactly as for an id that does not exist. */
  attachmentFor(userId: string, id: string): Downloadable | null {
    return this.isMember(userId) ? this.files.downloadable(userId, id) : null
  }

  /** The uploader takes back an upload not sent yet: bytes and quota go now. False if there is none. */
  removeUpload(userId: string, id: string): boolean {
    const removed = this.files.takeBack(userId, id)
    if (removed.length > 0) this.ctx.waitUntil(this.destroyFiles(removed))
    return removed.length > 0
  }

  /**
   * The member's account was deleted (CONTRACT.md: Deleting an account): one chunk of their
   * data goes, as member-erasure.ts says; their inbox calls again until `done`. Idempotent.
   */
  async eraseMember(userId: string): Promise<{ done: boolean }> {
    if (!this.isMember(userId)) return { done: true }
    await this.view.warm(this.erasure.reactedRows(userId))
    const fx = this.log.transaction(() => this.erasure.erase(userId, new Date().toISOString()))
    this.erasure.committed(userId)
    this.profiles.forget(userId)
    this.sockets.closeSessions(userId, null, 4401, 'account deleted')
    this.setBlocks(this.members!, []) // D1 removed the blocks both ways with the account
    for (const seq of fx.deleted) this.bodies.forget(seq)
    if (fx.destroyed.length > 0) this.ctx.waitUntil(this.destroyFiles(fx.destroyed))
    const peer = this.peerOf(userId)
    this.snapshots.recount(peer, userId)
    if (fx.changed.length > 0) {
      this.afterChange()
      this.broadcast(...this.framesOf(fx.changed, 'update').sort((x, y) => revOf(x) - revOf(y)))
      this.outbox.schedule()
      this.outbox.hurry()
    }
    // The peer's list and notifications show it now, not at the outbox's next round: the
    // deleted messages first, so no frame pairs the deleted account with a body of theirs.
    await this.deliverTo(peer)
    await this.env.USER_INBOX.get(this.env.USER_INBOX.idFromName(peer)).peerErased(this.ctx.id.toString(), userId)
    return { done: fx.done }
  }

  /** A member switched read receipts (PATCH /api/me, through their inbox). */
  setReadReceipts(userId: string, on: boolean): void {
    if (!this.isMember(userId)) return
    if (this.state.setReceipts(userId, on)) this.receiptsChanged()
  }

  /**
   * Who of the pair blocked the other (D1's truth, from PUT/DELETE /api/me/blocks, upgrades and
   * history calls): changes stop at once, also on open sockets, and each member's sockets hear it.
   */
  setBlocks(members: [string, string], blockers: string[] | null): void {
    this.ensureMembers(...members)
    if (!blockers || !this.blocks.set(this.members!, blockers)) return
    for (const m of this.members!) this.sockets.sendTo(m, { type: 'blocked', blocked: this.blocks.stateFor(m) })
  }

  /** A push service accepted a notification for `seq`: it reached one of the member's devices. */
  noteDelivered(userId: string, upTo: number): void {
    if (this.isMember(userId)) this.advanceDelivery(userId, upTo)
  }

  /** Key rotation (worker/keys/): counts, or re-encrypts, one bounded page of this room's tokens. */
  async reencryptPage(cursor: PassCursor | null, rewrite: boolean): Promise<PassPage> {
    const [keys, fingerprints] = await Promise.all([this.keyring(), keyFingerprints(this.env.FERNET_KEYS)])
    return passRoomPage({ env: this.env, sql: this.sql, keys, fingerprints }, cursor, rewrite)
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
      return this.rateLimited(ws, frame.ok ? frame.value : null)
    }
    if (!frame.ok) {
      const { code, message, clientId, seq } = frame
      return this.send(ws, {
        type: 'error',
        code,
        message,
        ...(clientId ? { clientId } : {}),
        ...(seq ? { seq } : {}),
      })
    }
    const f: ClientFrame = frame.value
    switch (f.type) {
      case 'send':
      case 'edit':
      case 'delete':
      case 'react':
        return this.onChange(ws, att, f)
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
    // The runtime deletes the alarm that fired unless the handler sets another. Each step
    // runs even when one before it failed (R2 or D1 down), and the handler never throws: it
    // always arms the alarm again, a minute on for a failed step, since the alarm is the
    // only reminder of them all.
    this.alarmAt = null
    let retryMs: number | undefined
    const steps: [string, () => Promise<void>][] = [
      ['upload sweep', () => this.sweepUploads()],
      ['retention', () => this.purgeExpired()],
      ['inbox catch-up and counters', () => this.catchUp()],
    ]
    for (const [step, run] of steps) {
      try {
        await run()
      } catch (err) {
        console.error(`chat room: alarm step failed (${step}); the alarm retries it`, err)
        retryMs = ALARM_RETRY_MS
      }
    }
    this.armAlarm(retryMs)
  }

  /** Retention (room-retention.ts): expired messages go, both inboxes hear of it, then files and the audit entry. */
  private async purgeExpired(): Promise<void> {
    const run = this.retention.purge(this.counters.flushedSeq)
    if (run && this.members) {
      for (let seq = run.from + 1; seq <= run.upTo; seq++) this.bodies.forget(seq)
      for (const m of this.members) this.snapshots.recount(m, this.peerOf(m))
      // The alarm's catchUp, right after, tells both inboxes; its armAlarm() is the reminder.
      this.outbox.changed(this.members)
    }
    // A failure (R2, D1) leaves the work to the alarm: retention.owed keeps it armed.
    await this.retention.settle(this.ctx.id.toString())
  }

  /** Uploads never sent within UNSENT_UPLOAD_TTL_MS are removed, and files left to destroy retried. */
  private async sweepUploads(): Promise<void> {
    await this.files.destroy(this.files.expired())
  }

  /** A failure leaves the files to the alarm, which retries them. */
  private async destroyFiles(rows: readonly AttachmentRow[]): Promise<void> {
    try {
      await this.files.destroy(rows)
    } catch (err) {
      console.error('chat room: files could not be destroyed yet; the alarm retries', err)
      this.armAlarm(ALARM_RETRY_MS)
    }
  }

  /** The last socket closed: catch up now, and drop the alarm if nothing is left for it. */
  private async settle(): Promise<void> {
    await this.catchUp()
    if (
      this.outbox.settled &&
      !this.counters.behind &&
      this.files.sweepAt === null &&
      !this.files.pending() &&
      !this.retention.owed &&
      this.alarmAt !== null
    ) {
      // With retention on, the one alarm left is the next purge.
      const purgeAt = this.retention.nextAt()
      if (purgeAt === null) await this.ctx.storage.deleteAlarm()
      else if (purgeAt !== this.alarmAt) await this.ctx.storage.setAlarm(purgeAt)
      this.alarmAt = purgeAt
    }
  }

  /** Delivers what the inboxes are owed and flushes the counters to D1. */
  private async catchUp(): Promise<void> {
    // Woken with no record of what the inboxes heard, the outbox tells both again.
    await this.outbox.flush(this.members ?? [])
    await this.counters.flush(this.members)
  }

  // ---- one method per frame ----

  /** Sends, edits, deletions and reactions queue for the next group commit, in arrival order. */
  private onChange(ws: WebSocket, att: Attachment, frame: ChangeFrame): void {
    if (!this.writers.of(att.userId).admit()) {
      this.rateLimited(ws, frame)
      return
    }
    this.commits.push({ ws, userId: att.userId, sessionId: att.sessionId, frame })
  }

  /**
   * Encrypts the batch's new bodies and decrypts what its frames will show, then applies it
   * in one transaction and, in the same turn, broadcasts: the runtime holds the frames until
   * the commit is durable (output gate), and nothing is acknowledged before it is.
   */
  private async commit(batch: PendingChange[]): Promise<void> {
    const keys = await this.keyring()
    await Promise.all(
      batch.map(async (p) => {
        if (p.frame.type === 'send' || p.frame.type === 'edit') p.token = await encryptText(keys, p.frame.body)
      }),
    )
    const touched = batch.flatMap((p) =>
      p.frame.type === 'send' ? (p.frame.replyTo ? [p.frame.replyTo] : []) : [p.frame.seq],
    )
    if (touched.length > 0) await this.view.warm([...this.log.many(touched).values()])
    // Right before the transaction, in the same turn: nothing commits after an erasure's flag.
    for (const r of this.erasure.screen(batch)) this.send(r.ws, r.frame)
    // Whether a recipient is looking does not change within the block: asked once per member.
    const viewing = new Map<string, boolean>()
    // A batch of plain sends only inserts rows: no savepoint is needed to take them back.
    const sendsOnly = batch.every((p) => isPlainSend(p.frame))
    const apply = () => {
      const effects = applyBatch(
        {
          log: this.log,
          attachments: this.attachments,
          peerOf: (u) => this.peerOf(u),
          isEnded: (s) => this.sockets.isEnded(s),
          viewing: (u) => viewing.get(u) ?? viewing.set(u, this.sockets.isViewing(u)).get(u)!,
          blocked: this.blocks.active,
          bodyOf: (seq) => this.bodies.peek(seq)?.text,
          editWindowMs: this.editWindowMs,
          at: new Date().toISOString(),
          now: Date.now(),
        },
        batch,
      )
      return effects
    }
    const fx = sendsOnly ? this.log.appendOnly(apply) : this.log.transaction(apply)
    for (const [seq, body] of fx.bodies) this.bodies.put(seq, body)
    for (const seq of fx.deleted) this.bodies.forget(seq)
    if (fx.destroyed.length > 0) this.ctx.waitUntil(this.destroyFiles(fx.destroyed))
    for (const row of fx.stored) this.snapshots.received(this.peerOf(row.sender_id))
    // A deleted message no longer counts as unread.
    for (const m of fx.deleted.size > 0 ? this.members! : []) this.snapshots.recount(m, this.peerOf(m))
    for (const [recipient, seq] of fx.owed) this.snapshots.owe(recipient, seq)
    if (fx.stored.length > 0 || fx.changed.size > 0) {
      this.afterChange()
      // A conversation is listed once it holds a message (CONTRACT.md): its first message is
      // acknowledged only once both lists and the staff's list have it. Once per conversation.
      if (fx.stored.some((r) => r.seq === 1)) await this.listNewConversation()
      // A batch of sends only changed nothing but its new rows, which the inserts returned:
      // their frames need not read them back.
      const fresh = sendsOnly
        ? this.framesOfRows(fx.stored, 'message')
        : this.framesOf([...fx.stored.map((r) => r.seq)], 'message')
      const updates = this.framesOf(
        [...fx.changed].sort((a, b) => a - b),
        'update',
      )
      // In rev order: a client that keeps the highest rev it saw as `since` and loses its
      // connection midway must not have skipped a lower one.
      this.broadcast(...[...fresh, ...updates].sort((x, y) => revOf(x) - revOf(y)))
      const held = this.heldDeliveries ?? []
      this.heldDeliveries = null
      for (const [userId, upTo] of held) this.advanceDelivery(userId, upTo)
      // A recipient with a chat socket open here has the new messages on a device.
      const newest = new Map<string, number>()
      for (const row of fx.stored) newest.set(this.peerOf(row.sender_id), row.seq)
      for (const [recipient, seq] of newest) if (this.sockets.hasOpen(recipient)) this.advanceDelivery(recipient, seq)
      this.outbox.schedule()
      // A notification to raise or to take back should not wait for a busy room's next snapshot.
      if (fx.owed.size > 0 || fx.deleted.size > 0) this.outbox.hurry()
    }
    for (const { ws, row } of fx.retried) this.send(ws, ...this.framesOf([row.seq], 'message'))
    for (const { ws, frame } of fx.errors) this.send(ws, frame)
  }

  /** Both inboxes and D1's counters hear of the room now, within FIRST_LISTING_WAIT_MS; after that, as usual. */
  private async listNewConversation(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, FIRST_LISTING_WAIT_MS)
    })
    this.heldDeliveries = []
    const listed = Promise.allSettled([this.outbox.flush(this.members!), this.counters.flush(this.members)])
    await Promise.race([listed, waited])
    clearTimeout(timer)
  }

  private onRead(att: Attachment, upTo: number): void {
    const target = Math.min(upTo, this.log.lastSeq)
    const current = this.state.get('read', att.userId)
    if (target <= current) return
    const at = new Date().toISOString()
    // Synchronous statements: they commit together, with the alarm set by afterChange().
    this.state.advance('read', att.userId, target, at)
    // A read while receipts are off keeps no time: turning them on later shows the position,
    // never when those messages were read.
    if (this.receiptsOn()) this.log.stamp('read_at', att.userId, current, target, at)
    this.snapshots.recount(att.userId, this.peerOf(att.userId))
    // What was read has reached a device.
    this.advanceDelivery(att.userId, target, at)
    this.afterChange()
    const frame: ServerFrame = { type: 'read', userId: att.userId, upTo: target, at }
    // With receipts off, only the reader's own devices hear of it (their unread counts).
    if (this.receiptsOn()) this.broadcast(frame)
    else this.sockets.sendTo(att.userId, frame)
    this.outbox.schedule()
    // A read clears badges and titles as promptly as a message raises them: it must not
    // wait for a busy room's next snapshot.
    this.outbox.hurry()
  }

  private onTyping(att: Attachment, gate: FloodGate): void {
    if (!gate.admitTyping() || this.blocks.active) return
    this.sockets.sendTo(this.peerOf(att.userId), { type: 'typing', userId: att.userId })
  }

  // ---- delivery, read receipts ----

  /** The other member's messages up to `upTo` reached one of `userId`'s devices. */
  private advanceDelivery(userId: string, upTo: number, at = new Date().toISOString()): void {
    const current = this.state.get('delivered', userId)
    // Only the peer's messages can be delivered to this member: their own move nothing.
    const target = this.log.newestFrom(this.peerOf(userId), current, Math.min(upTo, this.log.lastSeq))
    if (!this.state.advance('delivered', userId, target, at)) return
    this.log.stamp('delivered_at', userId, current, target, at)
    this.afterChange()
    this.outbox.schedule()
    this.broadcast({ type: 'delivered', userId, upTo: target, at })
  }

  /** The Worker's view of both members' switches, as `1,0` in member order. */
  private noteReceipts(header: string | null): void {
    if (!header || !this.members) return
    const flags = header.split(',')
    if (flags.length !== 2) return
    let changed = false
    this.members.forEach((m, i) => {
      if (flags[i] === '1' || flags[i] === '0') changed = this.state.setReceipts(m, flags[i] === '1') || changed
    })
    if (changed) this.receiptsChanged()
  }

  private receiptsChanged(): void {
    this.afterChange()
    const readReceipts = this.receiptsOn()
    for (const m of this.members!) {
      this.sockets.sendTo(m, { type: 'receipts', readReceipts, readUpTo: this.state.readSeenBy(m, this.members!) })
    }
    this.outbox.schedule()
    this.outbox.hurry()
  }

  private receiptsOn(): boolean {
    return this.state.receiptsOn(this.members ?? [])
  }

  // ---- frames ----

  private readyFrame(userId: string, peer: Peer): ServerFrame {
    const members = this.members!
    return {
      type: 'ready',
      peer,
      lastSeq: this.log.lastSeq,
      lastRev: this.log.lastRev,
      readUpTo: this.state.readSeenBy(userId, members),
      deliveredUpTo: this.state.positions('delivered', members),
      readReceipts: this.receiptsOn(),
      editWindowSeconds: this.editWindowMs / 1000,
      maxAttachmentBytes: this.maxAttachmentBytes,
      blocked: this.blocks.stateFor(userId),
    }
  }

  /** Frames for these messages as stored now; bodies were put or warmed before the commit. */
  private framesOf(seqs: number[], type: 'message' | 'update'): ServerFrame[] {
    return this.lateFrames(this.view.frames(seqs, type, { readAt: this.receiptsOn() }), type)
  }

  /** framesOf() for rows the caller holds as stored now (ascending seq), not read again. */
  private framesOfRows(rows: MessageRow[], type: 'message' | 'update'): ServerFrame[] {
    return this.lateFrames(this.view.framesOfRows(rows, type, { readAt: this.receiptsOn() }), type)
  }

  /** The frames built, and those whose bodies were not at hand sent once decrypted. */
  private lateFrames(
    { frames, late }: { frames: ServerFrame[]; late: number[] },
    type: 'message' | 'update',
  ): ServerFrame[] {
    const options = { readAt: this.receiptsOn() }
    if (late.length > 0) {
      // Not expected (all was warmed or put just before): these follow once decrypted.
      console.error(`chat room ${this.ctx.id.toString()}: frames built late for ${late.length} messages`)
      void this.view
        .messages(() => [...this.log.many(late).values()], options)
        .then((messages) => this.broadcast(...messages.map((message): ServerFrame => ({ type, message }))))
    }
    return frames
  }

  // ---- delivery to the members' inboxes (see outbox.ts) ----

  /** True when the member's inbox now has the latest state. */
  private async deliverTo(userId: string): Promise<boolean> {
    if (this.erasure.isErased(userId)) return true
    const update: ConversationUpdate = this.snapshots.snapshot(
      userId,
      this.peerOf(userId),
      this.members!,
      this.version(),
    )
    if (this.retention.purgedUpTo > 0) update.purgedUpTo = this.retention.purgedUpTo
    const receipt = await this.env.USER_INBOX.get(this.env.USER_INBOX.idFromName(userId)).applyConversation(update)
    const upToDate = this.snapshots.heard(userId, update, receipt)
    // The inbox showed it live: the peer's messages reached one of the member's devices.
    if (receipt.deliveredUpTo > 0) {
      // While a first message waits to be listed, its `delivered` must not overtake its `message` frame.
      if (this.heldDeliveries) this.heldDeliveries.push([userId, receipt.deliveredUpTo])
      else this.advanceDelivery(userId, receipt.deliveredUpTo)
    }
    // Anything that changed while the call was in flight keeps the member owed for the next round.
    return upToDate && update.version === this.version()
  }

  // ---- the alarm: outbox reminder, counters to D1 (activity-counters.ts), sweeps, retention ----

  /** Right after a change's statements: both inboxes must hear of it, and the alarm makes sure they will. */
  private afterChange(): void {
    this.outbox.changed(this.members!)
    this.armAlarm()
  }

  /** Grows with every change, read, delivery and receipts switch: a snapshot with a higher version is newer. */
  private version(): number {
    return this.log.lastRev + this.state.version()
  }

  /**
   * One alarm serves both jobs: the batched D1 flush, and the durable reminder of the
   * outbox (a room that stopped before delivering, or a failed call, which passes its
   * backoff as `delayMs`). Normal deliveries run on their own timer, so under load the
   * alarm fires only about every 30 s.
   */
  private armAlarm(delayMs?: number): void {
    // A purge's files or audit entry still to do (retention.owed) are owed like a delivery.
    const owed = !(this.outbox.settled && !this.counters.behind) || this.retention.owed || delayMs !== undefined
    const purgeAt = this.retention.nextAt()
    if (!owed && this.files.sweepAt === null && purgeAt === null) return
    // A new conversation is listed for staff within seconds; later counters wait longer.
    const flushMs = this.counters.nextDelayMs()
    const at = Math.min(
      owed ? Date.now() + (delayMs ?? flushMs) : Number.POSITIVE_INFINITY,
      this.files.sweepAt ?? Infinity,
      purgeAt ?? Infinity,
    )
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
    this.counters.load(Number(get('flushed_seq') ?? 0))
    this.log.load()
    this.retention.load()
    this.state.load()
    this.files.load()
    this.erasure.load()
    this.blocks.load()
    // Whether the inboxes heard the latest state is not stored; the alarm that a change
    // commits with tells them again if the room stopped before delivering (see alarm()).
    if (this.log.lastSeq > 0) this.outbox.wokeWithHistory()
    if (this.members) this.snapshots.woke(this.members, (m) => this.peerOf(m))
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

  private keyring(): Promise<FernetKeyring> {
    return keyringOf(this.env)
  }

  private rateLimited(ws: WebSocket, frame: ClientFrame | null): void {
    const about =
      frame?.type === 'send'
        ? { clientId: frame.clientId }
        : frame?.type === 'edit' || frame?.type === 'delete' || frame?.type === 'react'
          ? { seq: frame.seq }
          : {}
    this.send(ws, { type: 'error', code: 'rate-limited', message: 'Slow down.', ...about })
  }

  private send(ws: WebSocket, ...frames: ServerFrame[]): void {
    for (const frame of frames) this.sockets.send(ws, frame)
  }

  private broadcast(...frames: ServerFrame[]): void {
    this.sockets.broadcast(...frames)
  }
}

/** A `?after=` or `?since=` value; the Worker refused malformed ones already. */
function cursor(value: string | null): number | null {
  if (value === null) return null
  const n = Number(value)
  return Number.isSafeInteger(n) && n >= 0 ? n : null
}

function revOf(frame: ServerFrame): number {
  return frame.type === 'message' || frame.type === 'update' ? frame.message.rev : 0
}

meterDurableObject(ChatRoom, CHAT_ROOM_RPC)
