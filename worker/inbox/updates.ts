// What a ChatRoom tells a member's UserInbox: the conversation as that member sees it
// now, plus the notifications still owed. Snapshots carry a version, so a retried or
// late delivery can never move the inbox backwards; notifications de-duplicate by seq.

export interface StoredMessage {
  seq: number
  clientId: string
  senderId: string
  /** Fernet token of the body: the inbox stores it as it is. */
  token: string
  sentAt: string
  readAt: string | null
}

export interface ConversationUpdate {
  roomId: string
  peerId: string
  version: number
  lastSeq: number
  lastMessage: StoredMessage | null
  /** Messages from the peer after `readUpTo`. */
  unread: number
  readUpTo: number
  peerReadUpTo: number
  lastActivityAt: string
  notifications: StoredMessage[]
}
