// The room's side of attachments (ADR 008): uploads waiting for a send, who may download
// what, and destroying files — their bytes in R2 and their share of the uploader's quota —
// when their message is deleted, their upload is taken back, or it expires unsent.
import { blobKey } from '../attachments/attachment-id.ts'
import { UNSENT_UPLOAD_TTL_MS } from '../attachments/attachment-limits.ts'
import { deleteBlobs } from '../attachments/blob-store.ts'
import type { Env } from '../env.ts'
import { inboxOf } from '../inbox/inbox-key.ts'
import type { AttachmentRow, RoomAttachments } from './room-attachments.ts'

/** Files one destroy round takes (R2 deletes them in one call: with thumbnails, 1,000 keys). */
export const DESTROY_PAGE = 500

/** What the upload route stored in R2 and hands to the room. */
export interface NewUpload {
  id: string
  uploaderId: string
  /** In plaintext only in memory (the room's name cache); stored as `nameToken`. */
  name: string
  nameToken: string
  type: string
  size: number
  width?: number
  height?: number
  thumbnail: boolean
}

/** What destroying a file needs of its attachment row. */
export type DoomedFile = Pick<AttachmentRow, 'id' | 'uploader_id' | 'size' | 'thumbnail'>

export interface Downloadable {
  type: string
  size: number
  thumbnail: boolean
  /** Fernet token of the file name. */
  name: string
}

export class RoomFiles {
  /** When the oldest unsent upload expires (ms), or null: the room's alarm also sweeps them. */
  sweepAt: number | null = null

  constructor(
    private readonly env: Env,
    private readonly sql: SqlStorage,
    private readonly attachments: RoomAttachments,
  ) {}

  load(): void {
    this.sweepAt = this.nextSweep()
  }

  add(upload: NewUpload): void {
    this.attachments.add({
      id: upload.id,
      uploader_id: upload.uploaderId,
      name: upload.nameToken,
      type: upload.type,
      size: upload.size,
      width: upload.width ?? null,
      height: upload.height ?? null,
      thumbnail: upload.thumbnail ? 1 : 0,
      created_at: new Date().toISOString(),
    })
    this.sweepAt ??= Date.now() + UNSENT_UPLOAD_TTL_MS
  }

  /** A member may download what was sent, and the uploader their own upload before that. */
  downloadable(userId: string, id: string): Downloadable | null {
    const a = this.attachments.get(id)
    if (!a || (a.seq === null && a.uploader_id !== userId)) return null
    return { type: a.type, size: a.size, thumbnail: a.thumbnail === 1, name: a.name }
  }

  /** The uploader's own unsent upload, removed; its bytes and quota go after. */
  takeBack(userId: string, id: string): AttachmentRow[] {
    const a = this.attachments.get(id)
    if (!a || a.seq !== null || a.uploader_id !== userId) return []
    return this.attachments.removeUnsent(id)
  }

  /** Expired uploads, removed (run from the alarm). */
  expired(now = Date.now()): AttachmentRow[] {
    if (this.sweepAt === null || this.sweepAt > now) return []
    const rows = this.attachments.removeUnsentBefore(new Date(now - UNSENT_UPLOAD_TTL_MS).toISOString())
    this.sweepAt = this.nextSweep()
    return rows
  }

  /**
   * Removes the bytes of attachments whose rows are gone and gives their uploaders the space
   * back. The keys are written down first, in the room's SQLite: a failure leaves them for
   * the next call (the alarm's), so no byte outlives its row for long.
   */
  async destroy(rows: readonly AttachmentRow[]): Promise<void> {
    this.doom(rows)
    await this.destroyDoomed()
  }

  /**
   * Writes these files down in doomed_files, for `destroyDoomed`. Synchronous: called inside
   * the transaction that removes their rows, both commit together.
   */
  doom(rows: readonly DoomedFile[]): void {
    for (const a of rows) {
      this.sql.exec(
        'insert into doomed_files (id, uploader_id, size, thumbnail) values (?, ?, ?, ?) on conflict do nothing',
        a.id,
        a.uploader_id,
        a.size,
        a.thumbnail,
      )
    }
  }

  /** Whether files are still waiting to be destroyed (the alarm retries them). */
  pending(): boolean {
    return this.sql.exec<{ n: number }>('select count(*) as n from doomed_files').one().n > 0
  }

  async destroyDoomed(): Promise<void> {
    const doomed = this.sql
      .exec<DoomedFile>('select id, uploader_id, size, thumbnail from doomed_files limit ?', DESTROY_PAGE)
      .toArray()
    if (doomed.length === 0) return
    await deleteBlobs(
      this.env,
      doomed.flatMap((a) => (a.thumbnail ? [blobKey(a.id), blobKey(a.id, 'thumbnail')] : [blobKey(a.id)])),
    )
    const freed = new Map<string, number>()
    for (const a of doomed) freed.set(a.uploader_id, (freed.get(a.uploader_id) ?? 0) + a.size)
    await Promise.all([...freed].map(([userId, bytes]) => inboxOf(this.env, userId).releaseStorage(bytes)))
    for (const a of doomed) this.sql.exec('delete from doomed_files where id = ?', a.id)
  }

  private nextSweep(): number | null {
    const oldest = this.attachments.oldestUnsent()
    return oldest ? Date.parse(oldest) + UNSENT_UPLOAD_TTL_MS : null
  }
}
