// A deleted member's data in this room (CONTRACT.md: Deleting an account): their messages
// deleted exactly as the `delete` frame does, their reactions and unsent uploads removed,
// and a stored flag after which the room refuses sends, edits and reactions in the
// conversation. Synchronous statements, run in one storage transaction per chunk.
import type { ServerFrame } from '../../protocol/frames.ts'
import type { PendingChange } from './change-batch.ts'
import type { MessageLog, MessageRow } from './message-log.ts'
import type { AttachmentRow, RoomAttachments } from './room-attachments.ts'

/**
 * Messages (and reacted messages) erased per call: one transaction and one burst of
 * `update` frames stays small; the member's inbox calls again until the room is done.
 */
export const ERASE_CHUNK = 500

export interface ErasureEffects {
  /** Messages deleted by this chunk. */
  deleted: number[]
  /** Every message that changed (deleted, or lost the member's reactions), by seq. */
  changed: number[]
  /** Attachments whose rows are gone: the room destroys the bytes and releases the quota. */
  destroyed: AttachmentRow[]
  /** Nothing of the member is left here. */
  done: boolean
}

export class MemberErasure {
  private readonly erased = new Set<string>()

  constructor(
    private readonly sql: SqlStorage,
    private readonly log: MessageLog,
    private readonly attachments: RoomAttachments,
  ) {}

  load(): void {
    this.erased.clear()
    for (const r of this.sql.exec<{ user_id: string }>('select user_id from erased_members')) this.erased.add(r.user_id)
  }

  isErased(userId: string): boolean {
    return this.erased.has(userId)
  }

  /** Whether the room has a deleted member: then nothing new is written to the conversation. */
  any(): boolean {
    return this.erased.size > 0
  }

  /** The peer's messages the member reacted to: their bodies are needed for the update frames. */
  reactedRows(userId: string): MessageRow[] {
    const seqs = this.sql
      .exec<{ seq: number }>(
        'select distinct seq from reactions where user_id = ? order by seq limit ?',
        userId,
        ERASE_CHUNK,
      )
      .toArray()
      .map((r) => r.seq)
    return [...this.log.many(seqs).values()]
  }

  /**
   * One chunk, inside the caller's transaction. The flag is stored first, so a change that
   * commits after this one is refused, and one that committed before is erased here or in
   * the next chunk. Always stored (a rolled-back chunk took it back); memory follows only
   * once the caller's transaction committed (`committed`).
   */
  erase(userId: string, at: string): ErasureEffects {
    this.sql.exec('insert or ignore into erased_members (user_id, erased_at) values (?, ?)', userId, at)
    const destroyed = this.sql
      .exec<AttachmentRow>('delete from attachments where uploader_id = ? and seq is null returning *', userId)
      .toArray()
    const mine = this.sql
      .exec<{ seq: number }>(
        'select seq from messages where sender_id = ? and deleted_at is null order by seq limit ?',
        userId,
        ERASE_CHUNK,
      )
      .toArray()
      .map((r) => r.seq)
    for (const seq of mine) {
      this.log.remove(seq, at)
      destroyed.push(...this.attachments.removeOf(seq))
    }
    const reactions = this.sql
      .exec<{ seq: number; emoji: string }>(
        'select seq, emoji from reactions where user_id = ? order by seq limit ?',
        userId,
        ERASE_CHUNK,
      )
      .toArray()
    const changed = new Set(mine)
    for (const r of reactions) if (this.log.react(r.seq, r.emoji, userId, false)) changed.add(r.seq)
    return {
      deleted: mine,
      changed: [...changed].sort((a, b) => a - b),
      destroyed,
      done: mine.length < ERASE_CHUNK && reactions.length < ERASE_CHUNK,
    }
  }

  /**
   * `erase`'s transaction committed: from now on the room refuses changes. In the same turn
   * as the commit, so no group commit runs in between.
   */
  committed(userId: string): void {
    this.erased.add(userId)
  }

  /**
   * The changes of a group commit the room must refuse, taken out of `batch`: every change
   * of a deleted member, and a send, edit or reaction of the other member (deleting their
   * own messages still works). A send of the other member that retries a clientId they
   * already used here stays: the batch stores nothing for it and answers the original
   * message (CONTRACT.md: send). Synchronous, right before the batch's transaction.
   */
  screen(batch: PendingChange[]): { ws: WebSocket; frame: ServerFrame }[] {
    if (this.erased.size === 0) return []
    const refused: { ws: WebSocket; frame: ServerFrame }[] = []
    const kept = batch.filter((p) => {
      if (p.frame.type === 'delete' && !this.erased.has(p.userId)) return true
      if (p.frame.type === 'send' && !this.erased.has(p.userId) && this.log.byClientId(p.userId, p.frame.clientId))
        return true
      const about = p.frame.type === 'send' ? { clientId: p.frame.clientId } : { seq: p.frame.seq }
      refused.push({
        ws: p.ws,
        frame: { type: 'error', code: 'not-allowed', message: 'This account was deleted.', ...about },
      })
      return false
    })
    batch.splice(0, batch.length, ...kept)
    return refused
  }
}
