// Which keys FERNET_KEYS holds, named without revealing them: the first 8 hex characters of
// the SHA-256 of each key exactly as written (trimmed), so an operator can match one with
// `printf %s "$KEY" | sha256sum | cut -c1-8`.

const cache = new Map<string, Promise<string[]>>()

/** One fingerprint per key, in FERNET_KEYS order (the first is the primary). */
export function keyFingerprints(csv: string): Promise<string[]> {
  let found = cache.get(csv)
  if (!found) {
    found = Promise.all(csv.split(',').map((key) => fingerprintOf(key.trim())))
    cache.set(csv, found)
  }
  return found
}

export async function fingerprintOf(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)))
  return [...digest.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('')
}
