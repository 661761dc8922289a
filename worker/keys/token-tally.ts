// One stored token as key rotation sees it (ADR 009): counted under the key that made it
// (HMAC only) and, when re-encrypting, opened with the ring and sealed again with the
// primary key. The plaintext never changes, so a token's meaning and every cache of its
// plaintext stay valid; callers write the new token only if the stored one is unchanged.
import { decrypt, encrypt, type FernetKeyring, keyCount, keyIndexOf } from '../crypto/fernet.ts'

/** What a page of tokens held: per key index (0 is the primary), after any re-encryption. */
export interface Tally {
  counts: number[]
  /** Tokens no key of the ring opens (left as they are). */
  unreadable: number
  /** Tokens sealed again with the primary key. */
  rewritten: number
}

export function emptyTally(keys: FernetKeyring | number): Tally {
  const n = typeof keys === 'number' ? keys : keyCount(keys)
  return { counts: Array.from({ length: n }, () => 0), unreadable: 0, rewritten: 0 }
}

export function addTally(into: Tally, more: Tally): Tally {
  more.counts.forEach((n, i) => {
    into.counts[i] = (into.counts[i] ?? 0) + n
  })
  into.unreadable += more.unreadable
  into.rewritten += more.rewritten
  return into
}

/** How a Fernet token looks stored (version 0x80, a timestamp before 2106): for JSON whose fields are not all tokens. */
export const TOKEN_SHAPE = /^gAAAAA[A-Za-z0-9_-]{60,}={0,2}$/

/**
 * Counts `token` and, when `rewrite` and it was made with an older key, returns it sealed
 * with the primary key; null when it stays as it is ('' is no token and is not counted).
 */
export async function passToken(
  keys: FernetKeyring,
  token: string,
  rewrite: boolean,
  tally: Tally,
): Promise<string | null> {
  if (token === '') return null
  const index = await keyIndexOf(keys, token)
  if (index < 0) {
    tally.unreadable++
    return null
  }
  if (index === 0 || !rewrite) {
    tally.counts[index] = (tally.counts[index] ?? 0) + 1
    return null
  }
  const plain = await decrypt(keys, token)
  if (plain === null) {
    // A valid MAC over a broken body: no key can do better than the one that made it.
    tally.unreadable++
    return null
  }
  tally.counts[0] = (tally.counts[0] ?? 0) + 1
  tally.rewritten++
  return encrypt(keys, plain)
}

/** Every string in `value` shaped like a token, counted and (when rewriting) replaced; `changed` says if any was. */
export async function passJson(
  keys: FernetKeyring,
  value: unknown,
  rewrite: boolean,
  tally: Tally,
): Promise<{ value: unknown; changed: boolean }> {
  if (typeof value === 'string') {
    if (!TOKEN_SHAPE.test(value)) return { value, changed: false }
    const next = await passToken(keys, value, rewrite, tally)
    return next === null ? { value, changed: false } : { value: next, changed: true }
  }
  if (Array.isArray(value)) {
    let changed = false
    const out: unknown[] = []
    for (const item of value) {
      const r = await passJson(keys, item, rewrite, tally)
      out.push(r.value)
      changed ||= r.changed
    }
    return { value: out, changed }
  }
  if (typeof value === 'object' && value !== null) {
    let changed = false
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      const r = await passJson(keys, v, rewrite, tally)
      out[k] = r.value
      changed ||= r.changed
    }
    return { value: out, changed }
  }
  return { value, changed: false }
}

/** Where an object's pass resumes: a part of its storage and the last key done in it. */
export interface PassCursor {
  part: string
  after: string | number
}

/** One bounded page of an object's tokens; `next` is null once the object is done. */
export interface PassPage {
  tally: Tally
  next: PassCursor | null
}

/** Counts (and when rewriting, replaces) the tokens of these rows; returns the rows whose token changed. */
export async function passRows<R>(
  keys: FernetKeyring,
  rows: readonly R[],
  tokenOf: (row: R) => string,
  rewrite: boolean,
  tally: Tally,
): Promise<{ row: R; token: string }[]> {
  const next = await Promise.all(rows.map((row) => passToken(keys, tokenOf(row), rewrite, tally)))
  return rows.flatMap((row, i) => (next[i] ? [{ row, token: next[i] }] : []))
}
