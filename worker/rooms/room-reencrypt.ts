// Key rotation in a ChatRoom (ADR 009): one bounded page of the room's tokens per call —
// message bodies, attachment names, then the attachments' bytes and thumbnails in R2 —
// counted per key and, when re-encrypting, sealed again with the primary key. Each SQLite
// page is compared and set in one synchronous block after its crypto, so an edit or a
// deletion that lands meanwhile wins; an R2 object is put back only if its etag is unchanged.
import { blobKey } from '../attachments/attachment-id.ts'
import { BLOB_KEY_METADATA } from '../attachments/blob-store.ts'
import type { FernetKeyring } from '../crypto/fernet.ts'
import type { Env } from '../env.ts'
import { emptyTally, type PassCursor, type PassPage, passRows, passToken, type Tally } from '../keys/token-tally.ts'

/** Rows of tokens per call: a few milliseconds of HMAC, so chat never waits long. */
export const ROOM_ROWS_PER_PAGE = 500
/** Attachments whose R2 objects one call reads, and the bytes after which it stops early. */
const FILES_PER_PAGE = 8
const FILE_BYTES_PER_PAGE = 24 * 1024 * 1024

export interface RoomPass {
  env: Env
  sql: SqlStorage
  keys: FernetKeyring
  /** Fingerprints of FERNET_KEYS, primary first (what R2 metadata names). */
  fingerprints: readonly string[]
}

export async function passRoomPage(room: RoomPass, cursor: PassCursor | null, rewrite: boolean): Promise<PassPage> {
  const tally = emptyTally(room.keys)
  const at = cursor ?? { part: 'messages', after: 0 }
  if (at.part === 'messages') {
    const rows = room.sql
      .exec<{ seq: number; body: string }>(
        "select seq, body from messages where seq > ? and body != '' order by seq limit ?",
        Number(at.after),
        ROOM_ROWS_PER_PAGE,
      )
      .toArray()
    const changed = await passRows(room.keys, rows, (r) => r.body, rewrite, tally)
    // No await from here on: the checks and writes are one atomic block.
    for (const { row, token } of changed) {
      room.sql.exec('update messages set body = ? where seq = ? and body = ?', token, row.seq, row.body)
    }
    const next =
      rows.length < ROOM_ROWS_PER_PAGE ? { part: 'names', after: '' } : { part: 'messages', after: rows.at(-1)!.seq }
    return { tally, next }
  }
  if (at.part === 'names') {
    const rows = room.sql
      .exec<{ id: string; name: string }>(
        'select id, name from attachments where id > ? order by id limit ?',
        String(at.after),
        ROOM_ROWS_PER_PAGE,
      )
      .toArray()
    const changed = await passRows(room.keys, rows, (r) => r.name, rewrite, tally)
    for (const { row, token } of changed) {
      room.sql.exec('update attachments set name = ? where id = ? and name = ?', token, row.id, row.name)
    }
    const next =
      rows.length < ROOM_ROWS_PER_PAGE ? { part: 'files', after: '' } : { part: 'names', after: rows.at(-1)!.id }
    return { tally, next }
  }
  const rows = room.sql
    .exec<{ id: string; thumbnail: number }>(
      'select id, thumbnail from attachments where id > ? order by id limit ?',
      String(at.after),
      FILES_PER_PAGE,
    )
    .toArray()
  let bytes = 0
  let last: string | null = null
  for (const row of rows) {
    for (const key of row.thumbnail ? [blobKey(row.id), blobKey(row.id, 'thumbnail')] : [blobKey(row.id)]) {
      bytes += await passBlob(room, key, rewrite, tally)
    }
    last = row.id
    if (bytes >= FILE_BYTES_PER_PAGE) break
  }
  const done = rows.length < FILES_PER_PAGE && last === (rows.at(-1)?.id ?? null)
  return { tally, next: done ? null : { part: 'files', after: last ?? String(at.after) } }
}

/**
 * One R2 object: its metadata names the key that sealed it (blob-store.ts), so a census
 * reads only the head. An object from before that metadata is read whole and, when it
 * stays as it is, put back once with the metadata (same bytes), so the next census need
 * not read it again. Returns the token characters read.
 */
async function passBlob(room: RoomPass, key: string, rewrite: boolean, tally: Tally): Promise<number> {
  const bucket = room.env.ATTACHMENTS
  const head = await bucket.head(key)
  if (!head) return 0
  const named = head.customMetadata?.[BLOB_KEY_METADATA]
  const index = named === undefined ? -1 : room.fingerprints.indexOf(named)
  if (index === 0 || (index > 0 && !rewrite)) {
    tally.counts[index] = (tally.counts[index] ?? 0) + 1
    return 0
  }
  const object = await bucket.get(key)
  if (!object) return 0
  const token = await object.text()
  const before = { ...tally, counts: [...tally.counts] }
  const next = await passToken(room.keys, token, rewrite, tally)
  const sealedBy = next !== null ? 0 : tally.counts.findIndex((n, i) => n > (before.counts[i] ?? 0))
  if (sealedBy >= 0 && (next !== null || named !== room.fingerprints[sealedBy])) {
    // Only if nobody deleted or replaced the object since it was read: a deleted file stays deleted.
    await bucket.put(key, next ?? token, {
      onlyIf: { etagMatches: object.etag },
      httpMetadata: object.httpMetadata,
      customMetadata: { ...object.customMetadata, [BLOB_KEY_METADATA]: room.fingerprints[sealedBy]! },
    })
  }
  return token.length
}
