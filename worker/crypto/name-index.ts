// Blind index for name search: names are stored only as Fernet tokens, so search matches
// keyed HMACs of normalised name words instead (CONTRACT.md: `q` matches a whole word, or
// for a word of 3 or more characters the start of one). Each name word is indexed whole
// (HMAC(word)) and by every start of 3 or more characters, itself included
// (HMAC("^" + start)); the middle or the end of a word is never indexed, so it never matches.

const keys = new Map<string, Promise<CryptoKey>>()
function keyOf(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret)
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ])
    keys.set(secret, key)
  }
  return key
}

/** Words of a name or query: split on spaces and hyphens, case-folded, NFKC. */
export function nameWords(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[\s\-‐‑‒–—]+/u)
    .filter((w) => w.length > 0)
}

export async function wordToken(secret: string, word: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await keyOf(secret), new TextEncoder().encode(word)))
  // 128 bits is plenty to keep distinct words apart and keeps the index small.
  let hex = ''
  for (const b of mac.subarray(0, 16)) hex += b.toString(16).padStart(2, '0')
  return hex
}

/** A query word this short matches whole words only. */
export const MIN_PREFIX_CHARS = 3

/** The starts of a word that a query may match: 3 characters or more, the whole word included. */
function starts(word: string): string[] {
  const chars = [...word]
  const out: string[] = []
  for (let n = MIN_PREFIX_CHARS; n <= chars.length; n++) out.push(chars.slice(0, n).join(''))
  return out
}

const prefixToken = (secret: string, start: string) => wordToken(secret, `^${start}`)

/** Distinct tokens for every word of the given names: whole words and their starts. */
export async function nameTokens(secret: string, ...names: string[]): Promise<string[]> {
  const words = new Set(names.flatMap(nameWords))
  const wholes = [...words].map((w) => wordToken(secret, w))
  const prefixes = [...new Set([...words].flatMap(starts))].map((p) => prefixToken(secret, p))
  return [...new Set(await Promise.all([...wholes, ...prefixes]))]
}

/**
 * The tokens any of which lets a query word match: the whole word, and for a word of 3 or
 * more characters the start of one. (A user indexed before starts were, whose index the
 * next sign-in refreshes, still matches by whole words.)
 */
export async function queryTokens(secret: string, word: string): Promise<string[]> {
  const whole = await wordToken(secret, word)
  return [...word].length >= MIN_PREFIX_CHARS ? [whole, await prefixToken(secret, word)] : [whole]
}

/** What `nameTokens` computes today; rows written under an older version are refreshed at sign-in. */
export const NAME_INDEX_VERSION = 2
