// Blind index for name search: names are stored only as Fernet tokens, so search matches
// keyed HMACs of normalised name words instead (CONTRACT.md: `q` matches whole words).

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

/** Distinct tokens for every word of the given names. */
export async function nameTokens(secret: string, ...names: string[]): Promise<string[]> {
  const words = new Set(names.flatMap(nameWords))
  return Promise.all([...words].map((w) => wordToken(secret, w)))
}
