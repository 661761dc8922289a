// The conversation as one member's UserInbox should see it, and what the room remembers of
// what each inbox has heard: the notifications looked for and the rev of changes applied.
// Memory only: after a wake the room assumes the best and the inbox's answer corrects it.
import type { ChangedMessage, ConversationReceipt, ConversationUpdate, StoredMessage } from '../inbox/updates.ts'
import type { MemberState } from './member-state.ts'
import type { MessageLog, MessageRow } from './message-log.ts'
import { attachmentOf, type RoomAttachments } from './room-attachments.ts'

/** Notifications carried by one delivery; the next round sends the rest. */
export const MAX_NOTIFICATIONS_PER_DELIVERY = 100
/** Changed messages carried by one delivery; the next round sends the rest. */
export const MAX_CHANGES_PER_DELIVERY = 100

export class InboxSnapshots {
  /** Per member, the seq up to which owed notifications were looked for and delivered. */
  private readonly notifiedSeq = new Map<string, number>()
  /** Per member, the newest message that owes them a notification (an upper bound after a wake). */
  private readonly owedUpTo = new Map<string, number>()
  /** Per member, the rev up to which their inbox applied edits and deletions. */
  private readonly inboxRev = new Map<string, number>()
  /** Per member, the peer's messages after their read position: kept, not counted per delivery. */
  private readonly unread = new Map<string, number>()

  constructor(
    private readonly roomId: string,
    private readonly log: MessageLog,
    private readonly state: MemberState,
    private readonly attachments: RoomAttachments,
  ) {}

  /** After a wake: any message may still owe a notification. */
  woke(members: readonly string[], peerOf: (m: string) => string): void {
    for (const m of members) {
      this.owedUpTo.set(m, this.log.lastSeq)
      this.recount(m, peerOf(m))
    }
  }

  /** A new message for the recipient. */
  received(recipient: string): void {
    this.unread.set(recipient, (this.unread.get(recipient) ?? 0) + 1)
  }

  /** The member's read position moved. */
  recount(userId: string, peerId: string): void {
    this.unread.set(userId, this.log.countFrom(peerId, this.state.get('read', userId)))
  }

  owe(recipient: string, seq: number): void {
    this.owedUpTo.set(recipient, seq)
  }

  snapshot(userId: string, peerId: string, members: readonly string[], version: number): ConversationUpdate {
    const readUpTo = this.state.get('read', userId)
    const receipts = this.state.receiptsOn(members)
    const last = this.log.last()
    const notifiedUpTo = Math.max(readUpTo, this.notifiedSeq.get(userId) ?? 0)
    const owed =
      (this.owedUpTo.get(userId) ?? 0) <= notifiedUpTo
        ? []
        : this.log.owed(notifiedUpTo, peerId, MAX_NOTIFICATIONS_PER_DELIVERY)
    // Not known after a wake: claim none are owed, and the inbox's answer says from where.
    const changesAfter = this.inboxRev.get(userId) ?? this.log.lastRev
    const changed =
      changesAfter >= this.log.lastChangeRev ? [] : this.log.changesAfter(changesAfter, MAX_CHANGES_PER_DELIVERY)
    const rev = changed.length === MAX_CHANGES_PER_DELIVERY ? changed.at(-1)!.rev : this.log.lastRev
    return {
      userId,
      roomId: this.roomId,
      peerId,
      version,
      lastSeq: this.log.lastSeq,
      lastMessage: last ? this.stored(last, receipts) : null,
      unread: this.unread.get(userId) ?? 0,
      readUpTo,
      peerReadUpTo: receipts ? this.state.get('read', peerId) : 0,
      lastActivityAt: last?.sent_at ?? new Date().toISOString(),
      notifications: owed.map((r) => this.stored(r, receipts)),
      rev,
      changesAfter,
      changes: changed.filter((r) => r.edited_at || r.deleted_at).map(changeOf),
    }
  }

  /** Records what the inbox now has; true when it is up to date with this snapshot. */
  heard(userId: string, update: ConversationUpdate, receipt: ConversationReceipt): boolean {
    const owesMore = update.notifications.length === MAX_NOTIFICATIONS_PER_DELIVERY
    this.notifiedSeq.set(userId, owesMore ? update.notifications.at(-1)!.seq : update.lastSeq)
    this.inboxRev.set(userId, receipt.rev)
    return !owesMore && receipt.rev >= this.log.lastRev
  }

  private stored(r: MessageRow, receipts: boolean): StoredMessage {
    const quoted = r.reply_to ? this.log.get(r.reply_to) : undefined
    const reactions = this.log.reactionsIn(r.seq, r.seq).get(r.seq)
    const files = this.attachments.ofRange(r.seq, r.seq).get(r.seq)
    return {
      seq: r.seq,
      clientId: r.client_id,
      senderId: r.sender_id,
      token: r.body,
      sentAt: r.sent_at,
      rev: r.rev,
      readAt: receipts ? r.read_at : null,
      deliveredAt: r.delivered_at,
      editedAt: r.edited_at,
      deletedAt: r.deleted_at,
      replyTo: quoted ? { seq: quoted.seq, senderId: quoted.sender_id, token: quoted.body } : null,
      reactions: reactions ?? null,
      // Names stay tokens: the inbox stores what it is given.
      attachments: files ? files.map((a) => attachmentOf(a, a.name)) : null,
    }
  }
}

function changeOf(r: MessageRow): ChangedMessage {
  return { seq: r.seq, senderId: r.sender_id, token: r.body, deleted: !!r.deleted_at }
}
