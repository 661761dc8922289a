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
  /** The account was deleted: email and names are `""` (CONTRACT.md: Deleting an account). */
  deleted?: true
}

/** The Peer a deleted account appears as. */
export function deletedPeer(id: string): Peer {
  return { id, email: '', firstName: '', lastName: '', deleted: true }
}

/** Whether either member of a conversation blocked the other, from the viewer's side. */
export type BlockState = 'none' | 'by-me' | 'by-peer'

/** GET /api/admin/keys (CONTRACT.md: Administration). */
export interface KeysReport {
  keys: { fingerprint: string; primary: boolean; tokens: number }[]
  reencryption: {
    state: 'idle' | 'running' | 'done'
    done: number
    total: number
    startedAt?: string
    finishedAt?: string
  }
}

/** GET /api/admin/keys as Parley answers it: the report, and when its token counts were taken. */
export interface KeysStatus extends KeysReport {
  census: {
    /** When the counts were taken (absent before the first census finished). */
    takenAt?: string
    /** A pass (census or re-encryption) is under way: the counts are from the one before. */
    counting: boolean
    /** Stored tokens no key in FERNET_KEYS opens. */
    unreadable: number
  }
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
  attachments?: Attachment[]
  /** No key opens the stored token: the body is "" and clients show the message as unreadable. */
  unreadable?: true
}

/** A file sent with a message; its bytes come from GET /api/attachments/:id. */
export interface Attachment {
  id: string
  name: string
  type: string
  size: number
  /** Parley's addition, images only: the size in pixels the client measured before upload. */
  width?: number
  height?: number
  /** Parley's addition: a small preview image at GET /api/attachments/:id/thumbnail. */
  thumbnail?: true
}

/** Attachments one message carries at most. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10
/** Served inline; every other type is a download. */
export const INLINE_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const
/** A thumbnail made by the client: small, and one of the inline image types. */
export const MAX_THUMBNAIL_BYTES = 64 * 1024

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
