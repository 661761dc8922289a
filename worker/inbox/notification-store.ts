// The user's notifications in the inbox's SQLite: one per message from a peer that they were
// not looking at, de-duplicated by (room, seq), marked read by reads in the room, edited and
// removed as their messages are, and pruned to the newest MAX_NOTIFICATIONS.
import type { ChangedMessage, StoredMessage } from './updates.ts'

/** Older notifications are pruned: a notification is a nudge, the room keeps the message. */
export const MAX_NOTIFICATIONS = 500

export interface NotificationRow extends Record<string, SqlStorageValue> {
  id: number
  room_id: string
  peer_id: string
  seq: number
  token: string
  created_at: string
  read: number
  /** JSON StoredAttachment[] or null. */
  attachments: string | null
}

export class NotificationStore {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Adds the owed notifications not raised before (seq above `notifiedUpTo`) nor read
   * (at or below `readUpTo`); returns the new rows and the new notified position.
   */
  add(
    roomId: string,
    peerId: string,
    owed: readonly StoredMessage[],
    notifiedUpTo: number,
    readUpTo: number,
  ): { fresh: NotificationRow[]; notifiedUpTo: number } {
    const fresh: NotificationRow[] = []
    for (const n of owed) {
      if (n.seq <= notifiedUpTo || n.seq <= readUpTo || n.deletedAt) continue
      const row = this.sql
        .exec<NotificationRow>(
          `insert into notifications (room_id, peer_id, seq, token, created_at, read, attachments)
           values (?, ?, ?, ?, ?, 0, ?)
           on conflict (room_id, seq) do nothing returning *`,
          roomId,
          peerId,
          n.seq,
          n.token,
          n.sentAt,
          n.attachments && n.attachments.length > 0 ? JSON.stringify(n.attachments) : null,
        )
        .toArray()[0]
      if (row) fresh.push(row)
      notifiedUpTo = n.seq
    }
    if (fresh.length > 0) this.prune()
    return { fresh, notifiedUpTo }
  }

  /** Reading in the room reads its notifications up to that seq; returns how many changed. */
  readUpTo(roomId: string, upTo: number): number {
    return this.sql.exec('update notifications set read = 1 where room_id = ? and seq <= ? and read = 0', roomId, upTo)
      .rowsWritten
  }

  /** Edits replace a notification's token; deletions remove the notification, token and all. */
  applyChanges(
    roomId: string,
    changes: readonly ChangedMessage[],
  ): { edited: NotificationRow[]; removed: NotificationRow[] } {
    const edited: NotificationRow[] = []
    const removed: NotificationRow[] = []
    for (const c of changes) {
      if (c.deleted) {
        const row = this.sql
          .exec<NotificationRow>('delete from notifications where room_id = ? and seq = ? returning *', roomId, c.seq)
          .toArray()[0]
        if (row) removed.push(row)
      } else {
        const row = this.sql
          .exec<NotificationRow>(
            'update notifications set token = ? where room_id = ? and seq = ? and token != ? returning *',
            c.token,
            roomId,
            c.seq,
            c.token,
          )
          .toArray()[0]
        if (row) edited.push(row)
      }
    }
    return { edited, removed }
  }

  page(before: number | null, limit: number): NotificationRow[] {
    return this.sql
      .exec<NotificationRow>(
        'select * from notifications where id < ? order by id desc limit ?',
        before ?? Number.MAX_SAFE_INTEGER,
        limit,
      )
      .toArray()
  }

  /** Marks notifications read (never the messages themselves); returns how many changed. */
  markRead(ids: number[] | 'all'): number {
    if (ids === 'all') return this.sql.exec('update notifications set read = 1 where read = 0').rowsWritten
    return ids.reduce(
      (n, id) => n + this.sql.exec('update notifications set read = 1 where id = ? and read = 0', id).rowsWritten,
      0,
    )
  }

  unread(): { total: number; byPeer: Record<string, number> } {
    const byPeer: Record<string, number> = {}
    let total = 0
    for (const r of this.sql.exec<{ peer_id: string; n: number }>(
      'select peer_id, count(*) as n from notifications where read = 0 group by peer_id',
    )) {
      byPeer[r.peer_id] = r.n
      total += r.n
    }
    return { total, byPeer }
  }

  private prune(): void {
    this.sql.exec(
      'delete from notifications where id <= (select id from notifications order by id desc limit 1 offset ?)',
      MAX_NOTIFICATIONS,
    )
  }
}
