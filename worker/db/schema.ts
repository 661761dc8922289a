// D1 schema (Drizzle). Migrations in migrations/ are generated from this file by drizzle-kit.
import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    /** Trimmed and lower-cased before it gets here, so uniqueness is case-insensitive. */
    email: text('email').notNull().unique(),
    /** Self-describing PHC string, see worker/crypto/password.ts. */
    passwordHash: text('password_hash').notNull(),
    /** Fernet token, or '' for an empty name. Never plaintext. */
    firstName: text('first_name').notNull().default(''),
    lastName: text('last_name').notNull().default(''),
    isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
    isStaff: integer('is_staff', { mode: 'boolean' }).notNull().default(false),
    isSuperuser: integer('is_superuser', { mode: 'boolean' }).notNull().default(false),
    dateJoined: text('date_joined').notNull(),
    lastLogin: text('last_login'),
    /** Last sign-in or sent message, for "active users"; written in batches by rooms. */
    lastActiveAt: text('last_active_at'),
    /** CONTRACT.md: Read receipts. Off for either member hides reads from both. */
    readReceipts: integer('read_receipts', { mode: 'boolean' }).notNull().default(true),
    /**
     * Set when the account was deleted (CONTRACT.md: Deleting an account). The row stays as a
     * tombstone so conversations keep resolving the id to a deleted Peer; its email is
     * replaced by `deleted:<id>` (never a valid address), so the real one can register again,
     * and its names and password hash are emptied.
     */
    deletedAt: text('deleted_at'),
    /**
     * Which version of the blind index the user's name_index rows follow (NAME_INDEX_VERSION
     * in worker/crypto/name-index.ts); older rows are recomputed at the user's next sign-in.
     */
    nameIndexVersion: integer('name_index_version').notNull().default(1),
  },
  (t) => [index('users_date_joined').on(t.dateJoined)],
)

/** Blind index: HMAC(NAME_INDEX_KEY, normalised name word) per word of a user's names. */
export const nameIndex = sqliteTable(
  'name_index',
  {
    token: text('token').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.token, t.userId] }), index('name_index_user').on(t.userId)],
)

export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: text('created_at').notNull(),
    lastSeenAt: text('last_seen_at').notNull(),
    userAgent: text('user_agent').notNull().default(''),
    revokedAt: text('revoked_at'),
  },
  (t) => [index('sessions_user').on(t.userId)],
)

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    /** JSON; name values inside are Fernet tokens. */
    changes: text('changes').notNull().default('{}'),
    at: text('at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [index('audit_at').on(t.at), index('audit_actor').on(t.actorId), index('audit_target').on(t.targetId)],
)

/** One row per conversation, kept current in batches by its ChatRoom (never per message). */
export const rooms = sqliteTable(
  'rooms',
  {
    /** The ChatRoom Durable Object id (hex), opaque to clients. */
    id: text('id').primaryKey(),
    memberA: text('member_a').notNull(),
    memberB: text('member_b').notNull(),
    messageCount: integer('message_count').notNull().default(0),
    lastActivityAt: text('last_activity_at').notNull(),
  },
  (t) => [
    index('rooms_activity').on(t.lastActivityAt),
    index('rooms_member_a').on(t.memberA),
    index('rooms_member_b').on(t.memberB),
  ],
)

/** Messages stored per UTC hour across all rooms, for the admin activity chart. */
export const messageHours = sqliteTable('message_hours', {
  hour: text('hour').primaryKey(),
  count: integer('count').notNull().default(0),
})

/** Who blocked whom (CONTRACT.md: Blocking). Either direction stops changes in the pair's room. */
export const blocks = sqliteTable(
  'blocks',
  {
    blockerId: text('blocker_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    blockedId: text('blocked_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.blockerId, t.blockedId] }), index('blocks_blocked').on(t.blockedId)],
)

/**
 * Billed amounts per UTC month (`2026-12`) and source (worker, d1, chat-room, user-inbox),
 * summed from batched flushes (worker/usage/): never a write per message.
 */
export const usageMonths = sqliteTable(
  'usage_months',
  {
    month: text('month').notNull(),
    source: text('source').notNull(),
    requests: integer('requests').notNull().default(0),
    webSocketMessages: integer('websocket_messages').notNull().default(0),
    rowsRead: integer('rows_read').notNull().default(0),
    rowsWritten: integer('rows_written').notNull().default(0),
    alarmsSet: integer('alarms_set').notNull().default(0),
    flushes: integer('flushes').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.month, t.source] })],
)

/** Each object's latest SQLite size (and the R2 bytes its user holds): storage is their sum. */
export const usageStorage = sqliteTable('usage_storage', {
  objectId: text('object_id').primaryKey(),
  source: text('source').notNull(),
  bytes: integer('bytes').notNull().default(0),
  r2Bytes: integer('r2_bytes').notNull().default(0),
  updatedAt: text('updated_at').notNull(),
})
