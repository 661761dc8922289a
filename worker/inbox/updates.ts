// What a ChatRoom tells a member's UserInbox: the conversation as that member sees it
// now, plus the notifications still owed and the messages changed since the inbox last
// heard. Snapshots carry a version, so a retried or late delivery can never move the inbox
// backwards; notifications de-duplicate by seq; changes are complete from `changesAfter`.

export interface StoredMessage {
  seq: number
  clientId: string
  senderId: string
  /** Fernet token of the body ('' once deleted): the inbox stores it as it is. */
  token: string
  sentAt: string
  rev: number
  readAt: string | null
  deliveredAt?: string | null
  editedAt?: string | null
  deletedAt?: string | null
  /** The quoted message, its token '' once deleted. */
  replyTo?: { seq: number; senderId: string; token: string } | null
  reactions?: Record<string, string[]> | null
  /** As in Message, each `name` a Fernet token. */
  attachments?: StoredAttachment[] | null
}

export interface StoredAttachment {
  id: string
  /** Fernet token of the file name. */
  name: string
  type: string
  size: number
  width?: number
  height?: number
  thumbnail?: true
}

/** A message whose body changed (edited) or is gone (deleted) after the inbox's rev. */
export interface ChangedMessage {
  seq: number
  senderId: string
  /** The new token; '' when deleted. */
  token: string
  deleted: boolean
}

export interface ConversationUpdate {
  /** The member this snapshot is for. */
  userId: string
  roomId: string
  peerId: string
  version: number
  lastSeq: number
  lastMessage: StoredMessage | null
  /** Messages from the peer after `readUpTo`. */
  unread: number
  readUpTo: number
  /** 0 while either member has read receipts off. */
  peerReadUpTo: number
  lastActivityAt: string
  notifications: StoredMessage[]
  /** The room's rev this snapshot covers changes up to. */
  rev: number
  /** `changes` holds every edit and deletion with a rev in (changesAfter, rev]. */
  changesAfter: number
  changes: ChangedMessage[]
  /** Retention destroyed the room's messages up to this seq: the inbox forgets their notifications. */
  purgedUpTo?: number
}

/** What the inbox answers a snapshot with. */
export interface ConversationReceipt {
  /** The rev up to which the inbox has applied the room's changes. */
  rev: number
  /** The inbox showed the conversation live on a notifications socket: delivered up to this seq (0: not). */
  deliveredUpTo: number
}
