// The UserInbox's own SQLite schema: an append-only list of migrations.
import { runMigrations } from '../db/durable-migrations.ts'

const MIGRATIONS: string[] = [
  `create table conversations (
     room_id text primary key,
     peer_id text not null,
     version integer not null,
     last_seq integer not null,
     last_message text,           -- JSON StoredMessage; its body is a Fernet token
     unread integer not null,
     read_up_to integer not null,
     peer_read_up_to integer not null,
     last_activity_at text not null,
     notified_up_to integer not null default 0
   );
   create index conversations_activity on conversations (last_activity_at);
   create table notifications (
     id integer primary key autoincrement,
     room_id text not null,
     peer_id text not null,
     seq integer not null,
     token text not null,         -- Fernet token of the message body
     created_at text not null,
     read integer not null default 0,
     unique (room_id, seq)
   );
   create index notifications_unread on notifications (read, peer_id);
   create table socket_rooms (room_id text primary key);`,
  `create table push_subscriptions (
     endpoint text primary key,
     p256dh text not null,
     auth text not null,
     created_at text not null
   );`,
  // Consecutive failed deliveries: a subscription that keeps failing is dropped.
  'alter table push_subscriptions add column failures integer not null default 0;',
  // The room's rev up to which edits and deletions were applied to the notifications (ADR 007).
  'alter table conversations add column rev integer not null default 0;',
  // The seq up to which the room was told this user's devices have the conversation.
  'alter table conversations add column delivered_up_to integer not null default 0;',
  // A message's attachments (names as Fernet tokens), for a preview of a message with no text.
  'alter table notifications add column attachments text;',
  // Peers with a block either way (CONTRACT.md: Blocking), as the Worker last said (inbox-blocks.ts).
  'create table blocks (peer_id text primary key, state text not null);',
  // Rooms still to erase the user from after their account was deleted (account-erasure.ts).
  'create table erasure_rooms (room_id text primary key);',
]

export function migrateInbox(sql: SqlStorage): void {
  runMigrations(sql, MIGRATIONS)
}
