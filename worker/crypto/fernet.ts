// Fernet tokens (https://github.com/fernet/spec) on WebCrypto: key rings from FERNET_KEYS, encryption and verification.
import { decodeBase64Url, encodeBase64Url } from './base64url.ts'

const VERSION = 0x80
const HEADER = 1 + 8 + 16 // version, timestamp, IV
const MAC = 32
const BLOCK = 16
const MAX_CLOCK_SKEW_S = 60

interface KeyPair {
  readonly signing: CryptoKey
  readonly encryption: CryptoKey
}

// Not exported, so code outside this module can neither read the CryptoKeys nor fabricate a keyring.
const KEYS: unique symbol = Symbol('fernet keys')

export interface FernetKeyring {
  /** Index 0 encrypts; every entry is tried, in order, to decrypt. */
  readonly [KEYS]: readonly KeyPair[]
}

const keyrings = new Map<string, Promise<FernetKeyring>>()
const utf8 = new TextEncoder()
// fatal: text we did not encode is not ours to guess at; ignoreBOM: a leading U+FEFF is content and must round-trip.
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Parses FERNET_KEYS (comma-separated keys); the import happens once per distinct value per isolate. */
export function loadKeyring(csv: string): Promise<FernetKeyring> {
  let keyring = keyrings.get(csv)
  if (!keyring) {
    keyring = importKeyring(csv)
    keyrings.set(csv, keyring)
    // A bad value stays bad, but there is no reason to hold on to it.
    keyring.catch(() => keyrings.delete(csv))
  }
  return keyring
}

async function importKeyring(csv: string): Promise<FernetKeyring> {
  // A missing binding arrives as undefined despite the types; say so rather than fail on .split.
  if (typeof csv !== 'string') throw new Error('FERNET_KEYS is not set')
  const texts = csv.split(',').map((key) => key.trim())
  if (texts.length === 1 && texts[0] === '') throw new Error('FERNET_KEYS is empty: it needs at least one Fernet key')
  // Messages never quote the key: this text ends up in logs.
  const raws = texts.map((text, i) => {
    const where = `FERNET_KEYS key ${i + 1} of ${texts.length}`
    if (text === '') throw new Error(`${where} is empty (stray comma?)`)
    const raw = decodeBase64Url(text)
    if (raw === null || raw.length !== 32) {
      throw new Error(`${where} is not a Fernet key: expected 32 bytes of url-safe base64 with padding (44 characters)`)
    }
    return raw
  })
  const pairs = await Promise.all(raws.map(importPair))
  return { [KEYS]: pairs }
}

async function importPair(raw: Uint8Array<ArrayBuffer>): Promise<KeyPair> {
  const [signing, encryption] = await Promise.all([
    crypto.subtle.importKey('raw', raw.subarray(0, 16), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']),
    crypto.subtle.importKey('raw', raw.subarray(16), { name: 'AES-CBC' }, false, ['encrypt', 'decrypt']),
  ])
  return { signing, encryption }
}

/** A fresh random key in the form FERNET_KEYS expects. */
export function generateKey(): string {
  return encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)))
}

/** `now` and `iv` exist for the spec's test vectors; production callers should pass neither. */
export async function encrypt(
  keys: FernetKeyring,
  plaintext: Uint8Array | string,
  opts: { now?: number; iv?: Uint8Array } = {},
): Promise<string> {
  const key = keys[KEYS][0]!
  const now = opts.now ?? Math.floor(Date.now() / 1000)
  if (!Number.isSafeInteger(now) || now < 0) throw new RangeError('fernet: now must be whole unix seconds')
  const iv = opts.iv ?? crypto.getRandomValues(new Uint8Array(16))
  if (iv.length !== 16) throw new RangeError('fernet: the IV must be 16 bytes')
  const data = typeof plaintext === 'string' ? utf8.encode(plaintext) : plaintext

  // The casts only narrow the buffer type for the DOM typings: a SharedArrayBuffer view would be refused at run time.
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-CBC', iv: iv as Uint8Array<ArrayBuffer> },
      key.encryption,
      data as Uint8Array<ArrayBuffer>,
    ),
  )
  const token = new Uint8Array(HEADER + ciphertext.length + MAC)
  const view = new DataView(token.buffer)
  token[0] = VERSION
  // Two 32-bit halves instead of setBigUint64: no BigInt on the hot path, and now < 2^53 already holds.
  view.setUint32(1, Math.floor(now / 2 ** 32))
  view.setUint32(5, now >>> 0)
  token.set(iv, 9)
  token.set(ciphertext, HEADER)
  const signed = token.subarray(0, HEADER + ciphertext.length)
  token.set(new Uint8Array(await crypto.subtle.sign('HMAC', key.signing, signed)), signed.length)
  return encodeBase64Url(token)
}

/**
 * Null for anything that is not a valid token under one of the keys. The timestamp is always checked against
 * clock skew (a token from the future was not made by us); `ttl` (seconds) additionally bounds its age.
 */
export async function decrypt(
  keys: FernetKeyring,
  token: string,
  opts: { ttl?: number; now?: number } = {},
): Promise<Uint8Array | null> {
  const now = opts.now ?? Date.now() / 1000
  if (!Number.isFinite(now)) throw new RangeError('fernet: now must be unix seconds')
  // NaN would make every age comparison false and so disable expiry: refuse it loudly instead.
  if (opts.ttl !== undefined && !(opts.ttl >= 0)) throw new RangeError('fernet: ttl must be a non-negative number')

  const bytes = decodeBase64Url(token)
  if (bytes === null) return null
  const cipherLength = bytes.length - HEADER - MAC
  // PKCS7 always adds at least one byte, so there is at least one block.
  if (cipherLength < BLOCK || cipherLength % BLOCK !== 0 || bytes[0] !== VERSION) return null

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  // Above 2^53 this loses precision, but such a timestamp is rejected as future either way.
  const timestamp = view.getUint32(1) * 2 ** 32 + view.getUint32(5)
  if (timestamp > now + MAX_CLOCK_SKEW_S) return null
  if (opts.ttl !== undefined && timestamp + opts.ttl < now) return null

  const signed = bytes.subarray(0, HEADER + cipherLength)
  const mac = bytes.subarray(HEADER + cipherLength)
  for (const key of keys[KEYS]) {
    // verify() compares in constant time, unlike comparing sign()'s output ourselves.
    if (!(await crypto.subtle.verify('HMAC', key.signing, mac, signed))) continue
    try {
      const iv = bytes.subarray(9, HEADER)
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-CBC', iv },
        key.encryption,
        bytes.subarray(HEADER, signed.length),
      )
      return new Uint8Array(plain)
    } catch {
      // Bad padding under a valid MAC: the holder of this key made a broken token. The signing key identified
      // the key pair, so no other key can do better.
      return null
    }
  }
  return null
}

/**
 * Which key of the ring made `token`: its index (0 is the primary), or -1 when none did or it is not a token.
 * HMAC only: nothing is decrypted, and the timestamp is not judged (a census counts what is stored).
 */
export async function keyIndexOf(keys: FernetKeyring, token: string): Promise<number> {
  const bytes = decodeBase64Url(token)
  if (bytes === null) return -1
  const cipherLength = bytes.length - HEADER - MAC
  if (cipherLength < BLOCK || cipherLength % BLOCK !== 0 || bytes[0] !== VERSION) return -1
  const signed = bytes.subarray(0, HEADER + cipherLength)
  const mac = bytes.subarray(HEADER + cipherLength)
  const ring = keys[KEYS]
  for (let i = 0; i < ring.length; i++) {
    if (await crypto.subtle.verify('HMAC', ring[i]!.signing, mac, signed)) return i
  }
  return -1
}

/** How many keys the ring holds. */
export function keyCount(keys: FernetKeyring): number {
  return keys[KEYS].length
}

export function encryptText(keys: FernetKeyring, text: string): Promise<string> {
  return encrypt(keys, text)
}

/** Null for an invalid token, and for a valid one whose plaintext is not UTF-8 (encryptText never makes one). */
export async function decryptText(keys: FernetKeyring, token: string): Promise<string | null> {
  const plain = await decrypt(keys, token)
  if (plain === null) return null
  try {
    return utf8Strict.decode(plain)
  } catch {
    return null
  }
}
