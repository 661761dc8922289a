// Retention on the inbox's side (ADR 009): a room that destroyed its expired messages says
// up to which seq (`purgedUpTo` in its snapshot), and the inbox forgets their notifications.
// The conversation's lastMessage follows from the snapshot itself (the newest kept, or null).
import type { NotificationRow } from './notification-store.ts'

/** Removes the room's notifications of seqs up to `upTo`; returns them, for notification-removed frames. */
export function forgetPurged(sql: SqlStorage, roomId: string, upTo: number): NotificationRow[] {
  // The (room_id, seq) unique index finds them; usually there are none.
  return sql
    .exec<NotificationRow>('delete from notifications where room_id = ? and seq <= ? returning *', roomId, upTo)
    .toArray()
}
