// The conversation's attachments in the room's SQLite (the bytes are in R2): who uploaded
// each, its name as a Fernet token, and the message carrying it, null while unsent.
// Synchronous statements, so sending and deleting change them in the batch's transaction.
import type { Attachment } from '../../protocol/api.ts'
import { MAX_BOUND_PARAMETERS } from '../db/param-limit.ts'

export interface AttachmentRow extends Record<string, SqlStorageValue> {
  id: string
  uploader_id: string
  /** Fernet token of the file name. */
  name: string
  type: string
  size: number
  width: number | null
  height: number | null
  thumbnail: number
  created_at: string
  seq: number | null
  position: number
}

export class RoomAttachments {
  constructor(private readonly sql: SqlStorage) {}

  add(a: Omit<AttachmentRow, 'seq' | 'position'>): void {
    this.sql.exec(
      `insert into attachments (id, uploader_id, name, type, size, width, height, thumbnail, created_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      a.id,
      a.uploader_id,
      a.name,
      a.type,
      a.size,
      a.width,
      a.height,
      a.thumbnail,
      a.created_at,
    )
  }

  get(id: string): AttachmentRow | undefined {
    return this.sql.exec<AttachmentRow>('select * from attachments where id = ?', id).toArray()[0]
  }

  /** Whether every id is an upload of `uploaderId` here that no message carries yet. */
  claimable(ids: readonly string[], uploaderId: string): boolean {
    if (ids.length === 0) return true
    if (ids.length > MAX_BOUND_PARAMETERS - 1) return false
    const marks = ids.map(() => '?').join(',')
    const n = this.sql
      .exec<{ n: number }>(
        `select count(*) as n from attachments where id in (${marks}) and uploader_id = ? and seq is null`,
        ...ids,
        uploaderId,
      )
      .one().n
    return n === ids.length
  }

  /** The message `seq` carries these uploads, in this order. */
  claim(ids: readonly string[], seq: number): void {
    ids.forEach((id, position) => {
      this.sql.exec('update attachments set seq = ?, position = ? where id = ?', seq, position, id)
    })
  }

  /** The attachments of the messages in [from, to], by seq, in the order their send listed them. */
  ofRange(from: number, to: number): Map<number, AttachmentRow[]> {
    const bySeq = new Map<number, AttachmentRow[]>()
    for (const r of this.sql.exec<AttachmentRow>(
      'select * from attachments where seq >= ? and seq <= ? order by seq, position',
      from,
      to,
    )) {
      const list = bySeq.get(r.seq!) ?? []
      bySeq.set(r.seq!, list)
      list.push(r)
    }
    return bySeq
  }

  /** Deleting the message destroys its attachments: their rows go now, the caller removes the bytes. */
  removeOf(seq: number): AttachmentRow[] {
    return this.sql.exec<AttachmentRow>('delete from attachments where seq = ? returning *', seq).toArray()
  }

  /** One upload not sent yet, removed; [] when it was sent meanwhile or is gone. */
  removeUnsent(id: string): AttachmentRow[] {
    return this.sql
      .exec<AttachmentRow>('delete from attachments where id = ? and seq is null returning *', id)
      .toArray()
  }

  /** Uploads never sent that were made before `before` (ISO time), removed. */
  removeUnsentBefore(before: string): AttachmentRow[] {
    return this.sql
      .exec<AttachmentRow>('delete from attachments where seq is null and created_at < ? returning *', before)
      .toArray()
  }

  /** When the oldest unsent upload was made, or null. */
  oldestUnsent(): string | null {
    return (
      this.sql.exec<{ at: string | null }>('select min(created_at) as at from attachments where seq is null').one()
        .at ?? null
    )
  }
}

/** A row as the contract's Attachment, with `name` as given (the plaintext, or its token for an inbox). */
export function attachmentOf(a: AttachmentRow, name: string): Attachment {
  return {
    id: a.id,
    name,
    type: a.type,
    size: a.size,
    ...(a.width && a.height ? { width: a.width, height: a.height } : {}),
    ...(a.thumbnail ? { thumbnail: true as const } : {}),
  }
}
