// Users in D1: rows to API shapes (names decrypted), look-ups, name index maintenance.
import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm'
import { normalizeEmail } from '../../protocol/account-rules.ts'
import { deletedPeer, type Peer, type User } from '../../protocol/api.ts'
import type { FernetKeyring } from '../crypto/fernet.ts'
import { openName, sealName } from '../crypto/keys.ts'
import { NAME_INDEX_VERSION, nameTokens, nameWords, queryTokens } from '../crypto/name-index.ts'
import type { Db } from '../env.ts'
import { chunk, MAX_BOUND_PARAMETERS } from './param-limit.ts'
import { nameIndex, users } from './schema.ts'

export type UserRow = typeof users.$inferSelect

export async function toUser(keys: FernetKeyring, row: UserRow): Promise<User> {
  const [firstName, lastName] = await Promise.all([openName(keys, row.firstName), openName(keys, row.lastName)])
  return {
    id: row.id,
    email: row.email,
    firstName,
    lastName,
    isStaff: row.isStaff,
    isSuperuser: row.isSuperuser,
    dateJoined: row.dateJoined,
    readReceipts: row.readReceipts,
  }
}

/** The columns a Peer is made of; `peerColumns` selects them. */
export type PeerRow = Pick<UserRow, 'id' | 'email' | 'firstName' | 'lastName' | 'deletedAt'>

export const peerColumns = {
  id: users.id,
  email: users.email,
  firstName: users.firstName,
  lastName: users.lastName,
  deletedAt: users.deletedAt,
}

/** A user as another member sees them, names decrypted; a deleted account as `deletedPeer`. */
export async function toPeer(keys: FernetKeyring, row: PeerRow): Promise<Peer> {
  if (row.deletedAt) return deletedPeer(row.id)
  const [firstName, lastName] = await Promise.all([openName(keys, row.firstName), openName(keys, row.lastName)])
  return { id: row.id, email: row.email, firstName, lastName }
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(eq(users.email, email)).get()
}

export async function findUser(db: Db, id: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(eq(users.id, id)).get()
}

/**
 * Peers by id, names decrypted; unknown ids are left out. A user can have any number of
 * conversations, so the ids go in chunks: one `in (…)` per MAX_BOUND_PARAMETERS ids.
 */
export async function findPeers(db: Db, keys: FernetKeyring, ids: readonly string[]): Promise<Peer[]> {
  const pages = await Promise.all(
    chunk([...new Set(ids)], MAX_BOUND_PARAMETERS).map((part) =>
      db.select(peerColumns).from(users).where(inArray(users.id, part)).all(),
    ),
  )
  return Promise.all(pages.flat().map((r) => toPeer(keys, r)))
}

/**
 * Each user's read-receipts switch (CONTRACT.md: Read receipts), for a room that holds
 * only ids. Missing (deleted) users are absent from the map; one query per
 * MAX_BOUND_PARAMETERS ids.
 */
export async function readReceiptsOf(db: Db, ids: readonly string[]): Promise<Map<string, boolean>> {
  const pages = await Promise.all(
    chunk([...new Set(ids)], MAX_BOUND_PARAMETERS).map((part) =>
      db.select({ id: users.id, readReceipts: users.readReceipts }).from(users).where(inArray(users.id, part)).all(),
    ),
  )
  return new Map(pages.flat().map((r) => [r.id, r.readReceipts]))
}

/**
 * The row of a user not deleted: every update of a user's own data is conditioned on it,
 * so a write that passed its session check before DELETE /api/me's batch changes nothing
 * on the tombstone (CONTRACT.md: Deleting an account).
 */
export function liveUser(userId: string) {
  return and(eq(users.id, userId), isNull(users.deletedAt))
}

/** The statement that sets a user's read-receipts switch. */
export function setReadReceiptsStatement(db: Db, userId: string, on: boolean) {
  return db.update(users).set({ readReceipts: on }).where(liveUser(userId))
}

/** The statement that sets a user's password hash. */
export function setPasswordHashStatement(db: Db, userId: string, passwordHash: string) {
  return db.update(users).set({ passwordHash }).where(liveUser(userId))
}

export interface SealedNames {
  firstName: string
  lastName: string
  tokens: string[]
}

/** Encrypts names and computes their blind-index tokens, ready to store. */
export async function sealNames(
  keys: FernetKeyring,
  indexKey: string,
  firstName: string,
  lastName: string,
): Promise<SealedNames> {
  const [first, last, tokens] = await Promise.all([
    sealName(keys, firstName),
    sealName(keys, lastName),
    nameTokens(indexKey, firstName, lastName),
  ])
  return { firstName: first, lastName: last, tokens }
}

/** One bound parameter per token, plus the user id twice (the row's value and the check). */
export const NAME_INDEX_ROWS_PER_INSERT = MAX_BOUND_PARAMETERS - 2

/**
 * Inserts of a user's index rows, at most NAME_INDEX_ROWS_PER_INSERT each: two names of
 * 100 characters hold up to 100 distinct words. Put them all in one batch with the
 * user's other writes, so the index is never half-written. Each inserts only while the
 * user's row exists and is not deleted: none lands beside a tombstone.
 */
export function nameIndexInserts(db: Db, userId: string, tokens: readonly string[]) {
  return chunk(tokens, NAME_INDEX_ROWS_PER_INSERT).map((part) =>
    db.insert(nameIndex).select(
      sql`select column1, ${userId} from (values ${sql.join(
        part.map((token) => sql`(${token})`),
        sql`, `,
      )}) where exists (select 1 from ${users} where ${liveUser(userId)})`,
    ),
  )
}

/** Statements that replace a user's names and index; run them in one batch. */
export function updateNamesStatements(db: Db, userId: string, sealed: SealedNames) {
  const update = db
    .update(users)
    .set({ firstName: sealed.firstName, lastName: sealed.lastName, nameIndexVersion: NAME_INDEX_VERSION })
    .where(liveUser(userId))
  const clear = db.delete(nameIndex).where(eq(nameIndex.userId, userId))
  return [update, clear, ...nameIndexInserts(db, userId, sealed.tokens)] as const
}

/**
 * A user whose index rows follow an older NAME_INDEX_VERSION gets them recomputed (at sign-in,
 * when the names are at hand): statements for the login batch, none when it is current.
 */
export async function refreshNameIndexStatements(db: Db, keys: FernetKeyring, indexKey: string, row: UserRow) {
  if (row.nameIndexVersion >= NAME_INDEX_VERSION) return []
  const [firstName, lastName] = await Promise.all([openName(keys, row.firstName), openName(keys, row.lastName)])
  const tokens = await nameTokens(indexKey, firstName, lastName)
  return [
    db.update(users).set({ nameIndexVersion: NAME_INDEX_VERSION }).where(liveUser(row.id)),
    db.delete(nameIndex).where(eq(nameIndex.userId, row.id)),
    ...nameIndexInserts(db, row.id, tokens),
  ]
}

/** Keeps the search statement's parameters (each word's 2 tokens, twice, + 5) below MAX_BOUND_PARAMETERS. */
const MAX_QUERY_WORDS = 10

/**
 * The ids of users whose names hold every word of `q` as a whole word or, for a word of 3 or
 * more characters, as the start of one (blind index): `ids` is a subquery, undefined for no words.
 */
export async function usersNamed(db: Db, indexKey: string, q: string) {
  const words = [...new Set(nameWords(q))].slice(0, MAX_QUERY_WORDS)
  if (words.length === 0) return { ids: undefined }
  const perWord = await Promise.all(words.map((w) => queryTokens(indexKey, w)))
  // Every word must match, by any of its tokens: count the words a user's rows answer.
  const wordOf = sql.join(
    perWord.flatMap((tokens, i) => tokens.map((t) => sql`when ${t} then ${i}`)),
    sql` `,
  )
  // Wrapped: a Drizzle query is a thenable, which an async function's result would run.
  const ids = db
    .select({ userId: nameIndex.userId })
    .from(nameIndex)
    .where(inArray(nameIndex.token, perWord.flat()))
    .groupBy(nameIndex.userId)
    .having(sql`count(distinct case ${nameIndex.token} ${wordOf} end) = ${words.length}`)
  return { ids }
}

/**
 * Users whose email equals `q`, or whose names hold every word of `q` as a whole word or,
 * for a word of 3 or more characters, as the start of one.
 * Active users only, never the searcher.
 */
export async function searchUsers(
  db: Db,
  indexKey: string,
  q: string,
  excludeId: string,
  limit: number,
): Promise<UserRow[]> {
  const { ids: byName } = await usersNamed(db, indexKey, q)
  const email = normalizeEmail(q)
  const match = byName ? sql`(${users.email} = ${email} or ${users.id} in ${byName})` : eq(users.email, email)
  return db
    .select()
    .from(users)
    .where(and(eq(users.isActive, true), isNull(users.deletedAt), ne(users.id, excludeId), match))
    .orderBy(users.email)
    .limit(limit)
    .all()
}
