// Key rotation in D1 (ADR 009): users' names, and the name tokens inside audit entries'
// `changes`, one page by id per call. Audit entries are otherwise never rewritten: sealing
// a token again keeps its plaintext, so the entry records exactly what it did before, and
// without it dropping the old key would leave those entries unreadable. Every write is a
// compare-and-set on the values read, so an edit that lands meanwhile wins.
import type { FernetKeyring } from '../crypto/fernet.ts'
import { emptyTally, passJson, passToken, type Tally } from './token-tally.ts'

export const D1_ROWS_PER_PAGE = 100

export interface D1Page {
  tally: Tally
  /** The last id done, or null once the table is done. */
  next: string | null
  rows: number
}

export async function passUsersPage(
  db: D1Database,
  keys: FernetKeyring,
  after: string,
  rewrite: boolean,
): Promise<D1Page> {
  const { results } = await db
    .prepare('select id, first_name, last_name from users where id > ? order by id limit ?')
    .bind(after, D1_ROWS_PER_PAGE)
    .all<{ id: string; first_name: string; last_name: string }>()
  const tally = emptyTally(keys)
  const writes = (
    await Promise.all(
      results.map(async (r) => {
        const [first, last] = await Promise.all([
          passToken(keys, r.first_name, rewrite, tally),
          passToken(keys, r.last_name, rewrite, tally),
        ])
        if (first === null && last === null) return null
        return db
          .prepare('update users set first_name = ?, last_name = ? where id = ? and first_name = ? and last_name = ?')
          .bind(first ?? r.first_name, last ?? r.last_name, r.id, r.first_name, r.last_name)
      }),
    )
  ).filter((w) => w !== null)
  if (writes.length > 0) await db.batch(writes)
  return { tally, rows: results.length, next: results.length < D1_ROWS_PER_PAGE ? null : results.at(-1)!.id }
}

export async function passAuditPage(
  db: D1Database,
  keys: FernetKeyring,
  after: string,
  rewrite: boolean,
): Promise<D1Page> {
  const { results } = await db
    .prepare('select id, changes from audit_log where id > ? order by id limit ?')
    .bind(after, D1_ROWS_PER_PAGE)
    .all<{ id: string; changes: string }>()
  const tally = emptyTally(keys)
  const writes = (
    await Promise.all(
      results.map(async (r) => {
        let parsed: unknown
        try {
          parsed = JSON.parse(r.changes)
        } catch {
          return null
        }
        const passed = await passJson(keys, parsed, rewrite, tally)
        if (!passed.changed) return null
        return db
          .prepare('update audit_log set changes = ? where id = ? and changes = ?')
          .bind(JSON.stringify(passed.value), r.id, r.changes)
      }),
    )
  ).filter((w) => w !== null)
  if (writes.length > 0) await db.batch(writes)
  return { tally, rows: results.length, next: results.length < D1_ROWS_PER_PAGE ? null : results.at(-1)!.id }
}
