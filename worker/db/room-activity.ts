// What a ChatRoom tells D1 about itself, in batches (never per message): its row for the
// staff list, messages per hour for the activity chart, and its senders' last activity.
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import type { Db } from '../env.ts'
import { messageHours, rooms, users } from './schema.ts'

export interface RoomActivity {
  roomId: string
  members: [string, string]
  messageCount: number
  lastActivityAt: string
  /** Messages stored since the last report, per UTC hour (`2026-11-25T04`). */
  hours: { hour: string; count: number }[]
  /** Per sender since the last report, their newest message. */
  senders: { userId: string; at: string }[]
}

/** One D1 batch: all of it lands or none does, so a retry never counts an hour twice. */
export async function recordRoomActivity(db: Db, a: RoomActivity): Promise<void> {
  const statements: BatchItem<'sqlite'>[] = [
    db
      .insert(rooms)
      .values({
        id: a.roomId,
        memberA: a.members[0],
        memberB: a.members[1],
        messageCount: a.messageCount,
        lastActivityAt: a.lastActivityAt,
      })
      .onConflictDoUpdate({
        target: rooms.id,
        set: { messageCount: a.messageCount, lastActivityAt: a.lastActivityAt },
      }),
    ...a.hours.map((h) =>
      db
        .insert(messageHours)
        .values({ hour: `${h.hour}:00:00.000Z`, count: h.count })
        .onConflictDoUpdate({ target: messageHours.hour, set: { count: sql`${messageHours.count} + ${h.count}` } }),
    ),
    ...a.senders.map((s) =>
      db
        .update(users)
        .set({ lastActiveAt: s.at })
        .where(and(eq(users.id, s.userId), or(isNull(users.lastActiveAt), lt(users.lastActiveAt, s.at)))),
    ),
  ]
  await db.batch(statements as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]])
}
