// HTTP shapes shared by the Worker and the client (CONTRACT.md: Accounts, Conversations).

export interface User {
  id: string
  email: string
  firstName: string
  lastName: string
  isStaff: boolean
  isSuperuser: boolean
  dateJoined: string
  /** Read receipts, both ways (CONTRACT.md: Read receipts); default true. */
  readReceipts: boolean
}

export interface Peer {
  id: string
  email: string
  firstName: string
  lastName: string
}

export interface Message {
  seq: number
  clientId: string
  senderId: string
  /** "" once deleted. */
  body: string
  sentAt: string
  /** The conversation's latest change to this message (send, edit, delete, react). */
  rev: number
  readAt?: string
  deliveredAt?: string
  editedAt?: string
  deletedAt?: string
  replyTo?: ReplyQuote
  /** Emoji → the ids of the members who reacted with it; present only when there is one. */
  reactions?: Record<string, string[]>
  /** No key opens the stored token: the body is "" and clients show the message as unreadable. */
  unreadable?: true
}

/** The message a reply answers, as it is now: `preview` is "" once it is deleted. */
export interface ReplyQuote {
  seq: number
  senderId: string
  preview: string
}

/** Characters of a reply's quote and of a notification preview. */
export const MAX_PREVIEW_CHARS = 140

export interface SessionInfo {
  id: string
  current: boolean
  createdAt: string
  lastSeenAt: string
  userAgent: string
}

/** RFC 9457 problem details, as every error response carries them. */
export interface ProblemBody {
  type: string
  title: string
  status: number
  detail: string
  errors?: Record<string, string>
}

export const MAX_EMAIL_CHARS = 254
export const MIN_PASSWORD_CHARS = 10
export const MAX_PASSWORD_CHARS = 256
export const MAX_NAME_CHARS = 100
export const MAX_JSON_BODY_BYTES = 64 * 1024
export const MAX_SEARCH_RESULTS = 20
