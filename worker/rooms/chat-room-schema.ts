// The ChatRoom's own SQLite schema: an append-only list of migrations. Never edit an
// entry that has shipped; add a new one.
import { runMigrations } from '../db/durable-migrations.ts'

const MIGRATIONS: string[] = [
  `create table meta (key text primary key, value text not null);
   create table messages (
     seq integer primary key,
     client_id text not null,
     sender_id text not null,
     body text not null,          -- Fernet token, never plaintext
     sent_at text not null,
     read_at text,
     notify integer not null      -- 1: the recipient was not viewing, a notification is owed
   );
   create unique index messages_client on messages (sender_id, client_id);
   create table read_state (user_id text primary key, up_to integer not null, at text not null);
   -- The outbox: members whose inbox has not yet heard the room's latest state.
   create table dirty (user_id text primary key);
   -- Per member, the highest seq whose notification their inbox has acknowledged.
   create table delivered (user_id text primary key, notified_seq integer not null);
   create table notices (id integer primary key autoincrement, kind text not null, staff_id text not null, at text not null);`,
  // The outbox moved to memory plus the alarm (see ChatRoom): no table write per delivery.
  `drop table dirty;
   drop table delivered;`,
  // Messages people can change (ADR 007): every change takes the conversation's next rev;
  // `since` is answered from the rev index. A deleted message keeps its row with body ''.
  `alter table messages add column rev integer not null default 0;
   update messages set rev = seq;
   alter table messages add column edited_at text;
   alter table messages add column deleted_at text;
   alter table messages add column reply_to integer;
   alter table messages add column delivered_at text;
   create index messages_rev on messages (rev);
   create table reactions (
     seq integer not null,
     emoji text not null,
     user_id text not null,
     unique (seq, emoji, user_id)
   );
   create table delivery_state (user_id text primary key, up_to integer not null, at text not null);
   create table member_prefs (user_id text primary key, read_receipts integer not null);`,
  // Attachments (ADR 008): the bytes are in R2; here who uploaded what, its name as a Fernet
  // token, and the message that carries it (null until sent).
  `create table attachments (
     id text primary key,
     uploader_id text not null,
     name text not null,
     type text not null,
     size integer not null,
     width integer,
     height integer,
     thumbnail integer not null default 0,
     created_at text not null,
     seq integer
   );
   create index attachments_seq on attachments (seq);
   create index attachments_unsent on attachments (created_at) where seq is null;`,
  // A message's attachments keep the order of its send frame's list.
  'alter table attachments add column position integer not null default 0;',
  // Files whose rows are gone and whose bytes are being removed from R2 (retried by the alarm).
  `create table doomed_files (
     id text primary key,
     uploader_id text not null,
     size integer not null,
     thumbnail integer not null
   );`,
  // Members who blocked the other (CONTRACT.md: Blocking), as the Worker last said (room-blocks.ts).
  'create table blocks (user_id text primary key);',
  // Members whose account was deleted (CONTRACT.md: Deleting an account; member-erasure.ts).
  'create table erased_members (user_id text primary key, erased_at text not null);',
]

export function migrate(sql: SqlStorage): void {
  runMigrations(sql, MIGRATIONS)
}
