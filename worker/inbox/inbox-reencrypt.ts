// Key rotation in a UserInbox (ADR 009): one bounded page per call of the tokens the inbox
// keeps — each conversation's last message (its body, its quote, its attachments' names),
// then the notifications (previews and attachments' names) — counted per key and, when
// re-encrypting, sealed again with the primary key. Each page's writes are compared and set
// in one synchronous block after its crypto, so a snapshot that lands meanwhile wins.
import type { FernetKeyring } from '../crypto/fernet.ts'
import { emptyTally, type PassCursor, type PassPage, passToken, type Tally } from '../keys/token-tally.ts'
import type { StoredAttachment, StoredMessage } from './updates.ts'

export const INBOX_ROWS_PER_PAGE = 500

export async function passInboxPage(
  sql: SqlStorage,
  keys: FernetKeyring,
  cursor: PassCursor | null,
  rewrite: boolean,
): Promise<PassPage> {
  const tally = emptyTally(keys)
  const at = cursor ?? { part: 'conversations', after: '' }
  if (at.part === 'conversations') {
    const rows = sql
      .exec<{ room_id: string; last_message: string }>(
        'select room_id, last_message from conversations where room_id > ? and last_message is not null order by room_id limit ?',
        String(at.after),
        INBOX_ROWS_PER_PAGE,
      )
      .toArray()
    const next = await Promise.all(rows.map((r) => passMessage(keys, r.last_message, rewrite, tally)))
    // No await from here on: the checks and writes are one atomic block.
    rows.forEach((r, i) => {
      if (next[i] === null) return
      sql.exec(
        'update conversations set last_message = ? where room_id = ? and last_message = ?',
        next[i],
        r.room_id,
        r.last_message,
      )
    })
    return {
      tally,
      next:
        rows.length < INBOX_ROWS_PER_PAGE
          ? { part: 'notifications', after: 0 }
          : { part: 'conversations', after: rows.at(-1)!.room_id },
    }
  }
  const rows = sql
    .exec<{ id: number; token: string; attachments: string | null }>(
      'select id, token, attachments from notifications where id > ? order by id limit ?',
      Number(at.after),
      INBOX_ROWS_PER_PAGE,
    )
    .toArray()
  const next = await Promise.all(
    rows.map(async (r) => {
      const token = await passToken(keys, r.token, rewrite, tally)
      const files = r.attachments === null ? null : await passFiles(keys, r.attachments, rewrite, tally)
      return token === null && files === null ? null : { token: token ?? r.token, attachments: files ?? r.attachments }
    }),
  )
  rows.forEach((r, i) => {
    const n = next[i]
    if (!n) return
    sql.exec(
      'update notifications set token = ?, attachments = ? where id = ? and token = ? and attachments is ?',
      n.token,
      n.attachments,
      r.id,
      r.token,
      r.attachments,
    )
  })
  return {
    tally,
    next: rows.length < INBOX_ROWS_PER_PAGE ? null : { part: 'notifications', after: rows.at(-1)!.id },
  }
}

/** A stored last message's JSON with its tokens passed; null when none changed. */
async function passMessage(keys: FernetKeyring, json: string, rewrite: boolean, tally: Tally): Promise<string | null> {
  const m = JSON.parse(json) as StoredMessage
  let changed = false
  const token = await passToken(keys, m.token, rewrite, tally)
  if (token !== null) {
    m.token = token
    changed = true
  }
  if (m.replyTo?.token) {
    const quoted = await passToken(keys, m.replyTo.token, rewrite, tally)
    if (quoted !== null) {
      m.replyTo.token = quoted
      changed = true
    }
  }
  for (const a of m.attachments ?? []) {
    const name = await passToken(keys, a.name, rewrite, tally)
    if (name !== null) {
      a.name = name
      changed = true
    }
  }
  return changed ? JSON.stringify(m) : null
}

async function passFiles(keys: FernetKeyring, json: string, rewrite: boolean, tally: Tally): Promise<string | null> {
  const files = JSON.parse(json) as StoredAttachment[]
  let changed = false
  for (const a of files) {
    const name = await passToken(keys, a.name, rewrite, tally)
    if (name !== null) {
      a.name = name
      changed = true
    }
  }
  return changed ? JSON.stringify(files) : null
}
