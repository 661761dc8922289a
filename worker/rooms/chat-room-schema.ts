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
     read_at text
   );
   create unique index messages_client on messages (sender_id, client_id);
   create table read_state (user_id text primary key, up_to integer not null, at text not null);
   -- Users whose inbox has not yet heard the room's latest state (delivery outbox).
   create table dirty (user_id text primary key, version integer not null);
   -- Notifications waiting for delivery to the recipient's inbox.
   create table outbox (id integer primary key autoincrement, user_id text not null, seq integer not null);
   -- Counters not yet written to D1 (batched by the alarm).
   create table pending_hours (hour text primary key, count integer not null);
   create table pending_active (user_id text primary key, at text not null);
   create table notices (id integer primary key autoincrement, kind text not null, staff_id text not null, at text not null);`,
]

export function migrate(sql: SqlStorage): void {
  runMigrations(sql, MIGRATIONS)
}
