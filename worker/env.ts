// Bindings and per-request variables, typed once for the whole Worker.
import type { DrizzleD1Database } from 'drizzle-orm/d1'
import type { User } from '../protocol/api.ts'
import type * as schema from './db/schema.ts'
import type { UserInbox } from './inbox/user-inbox.ts'
import type { KeyRotation } from './keys/key-rotation.ts'
import type { RateLimiter } from './limits/rate-limiter.ts'
import type { ChatRoom } from './rooms/chat-room.ts'
import type { RetentionWalk } from './rooms/retention-walk.ts'

export interface Env {
  DB: D1Database
  ASSETS: Fetcher
  CHAT_ROOM: DurableObjectNamespace<ChatRoom>
  USER_INBOX: DurableObjectNamespace<UserInbox>
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>
  /** The one-off walk that nudges idle rooms when RETENTION_DAYS changes (retention-walk.ts). */
  RETENTION_WALK: DurableObjectNamespace<RetentionWalk>
  /** The one coordinator of token censuses and re-encryption (keys/key-rotation.ts). */
  KEY_ROTATION: DurableObjectNamespace<KeyRotation>
  /** Attachment bytes and thumbnails, each stored as a Fernet token. */
  ATTACHMENTS: R2Bucket
  /** Comma-separated url-safe base64 Fernet keys; the first encrypts. */
  FERNET_KEYS: string
  /** HMAC secret for session JWTs (HS256). */
  JWT_SECRET: string
  /** HMAC key for the blind index of name words used by search. */
  NAME_INDEX_KEY: string
  LOGIN_FAILS_PER_IP?: string
  LOGIN_FAILS_PER_IP_WINDOW_S?: string
  LOGIN_FAILS_PER_EMAIL?: string
  LOGIN_EMAIL_LOCKOUT_S?: string
  REGISTRATIONS_PER_IP?: string
  REGISTRATIONS_PER_IP_WINDOW_S?: string
  /** Registrations of an email that already has an account, per address and registration window. */
  REGISTRATION_TAKEN_PER_IP?: string
  /** Password hashes (argon2id) one isolate runs at once, and requests that may wait for one. */
  PASSWORD_HASHES_IN_FLIGHT?: string
  PASSWORD_HASH_QUEUE?: string
  CHAT_FRAMES_PER_SECOND?: string
  CHAT_FRAME_BURST?: string
  CHAT_FLOOD_STRIKES?: string
  CHAT_SENDS_PER_SECOND?: string
  CHAT_SEND_BURST?: string
  ATTACHMENT_MAX_BYTES?: string
  ATTACHMENT_QUOTA_BYTES?: string
  UPLOADS_PER_MINUTE?: string
  /** Blocks and unblocks one user may make per minute (PUT/DELETE /api/me/blocks). */
  BLOCK_CHANGES_PER_MINUTE?: string
  /** Seconds after sending during which a message may be edited (default 86400). */
  EDIT_WINDOW_SECONDS?: string
  MAX_SOCKETS_PER_SESSION?: string
  MAX_SOCKETS_PER_USER?: string
  /** Socket upgrades one object admits per second (burst twice that) before answering 1013 (upgrade-rate.ts). */
  MAX_UPGRADES_PER_SECOND?: string
  /** Socket upgrades one Worker isolate lets wait on D1 at once before answering 1013. */
  MAX_PENDING_UPGRADES?: string
  /** Milliseconds between the steps of a census or re-encryption (default 20). */
  KEY_ROTATION_PAUSE_MS?: string
  /** Days a message is kept; 0 (the default) keeps forever (room-retention.ts). */
  RETENTION_DAYS?: string
  /** Data exports one user may start per hour, and messages per page of one (GET /api/me/export). */
  EXPORTS_PER_HOUR?: string
  EXPORT_PAGE_MESSAGES?: string
  /** VAPID key pair for Web Push (base64url: raw uncompressed public point, private scalar d). */
  VAPID_PUBLIC_KEY?: string
  VAPID_PRIVATE_KEY?: string
  /** Contact for push services, e.g. mailto:ops@example.com. */
  VAPID_SUBJECT?: string
  /** Comma-separated push service hosts (`host` or `*.host`) endpoints may point at; unset means the browsers' own. */
  PUSH_SERVICE_HOSTS?: string
  /** Milliseconds an object's usage counts wait before they go to D1 in one batch (default 1000; worker/usage/). */
  USAGE_FLUSH_MS?: string
  /** `off`: the objects and the Worker send no usage counts to D1 (ADR 011). */
  USAGE_METERING?: string
}

export type Db = DrizzleD1Database<typeof schema>

export interface SessionContext {
  sessionId: string
  user: User
}

export interface AppEnv {
  Bindings: Env
  Variables: {
    db: Db
    session: SessionContext
    user: User
  }
}
