// Users in D1: rows to API shapes (names decrypted), look-ups, name index maintenance.
import { and, eq, inArray, ne, sql } from 'drizzle-orm'
import type { Peer, User } from '../../protocol/api.ts'
import type { FernetKeyring } from '../crypto/fernet.ts'
import { openName, sealName } from '../crypto/keys.ts'
import { nameTokens, nameWords, wordToken } from '../crypto/name-index.ts'
import type { Db } from '../env.ts'
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
  }
}

export async function toPeer(keys: FernetKeyring, row: UserRow): Promise<Peer> {
  const { id, email, firstName, lastName } = await toUser(keys, row)
  return { id, email, firstName, lastName }
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(eq(users.email, email)).get()
}

export async function findUser(db: Db, id: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(eq(users.id, id)).get()
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

export function nameIndexRows(userId: string, tokens: string[]) {
  return tokens.map((token) => ({ token, userId }))
}

/** Statements that replace a user's names and index; run them in one batch. */
export function updateNamesStatements(db: Db, userId: string, sealed: SealedNames) {
  const update = db
    .update(users)
    .set({ firstName: sealed.firstName, lastName: sealed.lastName })
    .where(eq(users.id, userId))
  const clear = db.delete(nameIndex).where(eq(nameIndex.userId, userId))
  const rows = nameIndexRows(userId, sealed.tokens)
  return rows.length > 0 ? ([update, clear, db.insert(nameIndex).values(rows)] as const) : ([update, clear] as const)
}

const MAX_QUERY_WORDS = 10

/**
 * Users whose email equals `q`, or whose names hold every word of `q` as a whole word.
 * Active users only, never the searcher.
 */
export async function searchUsers(
  db: Db,
  indexKey: string,
  q: string,
  excludeId: string,
  limit: number,
): Promise<UserRow[]> {
  const words = [...new Set(nameWords(q))].slice(0, MAX_QUERY_WORDS)
  const tokens = await Promise.all(words.map((w) => wordToken(indexKey, w)))
  const byName =
    tokens.length > 0
      ? db
          .select({ userId: nameIndex.userId })
          .from(nameIndex)
          .where(inArray(nameIndex.token, tokens))
          .groupBy(nameIndex.userId)
          .having(sql`count(distinct ${nameIndex.token}) = ${tokens.length}`)
      : undefined
  const email = q.trim().toLowerCase()
  const match = byName ? sql`(${users.email} = ${email} or ${users.id} in ${byName})` : eq(users.email, email)
  return db
    .select()
    .from(users)
    .where(and(eq(users.isActive, true), ne(users.id, excludeId), match))
    .orderBy(users.email)
    .limit(limit)
    .all()
}
