// Fernet inside workerd: the spec's vectors, rotation, expiry, tampering and properties of worker/crypto/fernet.ts.
import { env } from 'cloudflare:test'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBase64Url, encodeBase64Url } from '../../worker/crypto/base64url.ts'
import { decrypt, decryptText, encrypt, encryptText, generateKey, loadKeyring } from '../../worker/crypto/fernet.ts'
import generateVectors from './vectors/fernet/generate.json'
import invalidVectors from './vectors/fernet/invalid.json'
import verifyVectors from './vectors/fernet/verify.json'

const seconds = (iso: string) => Date.parse(iso) / 1000
const bytesOf = (token: string) => decodeBase64Url(token)!
const tokenOf = (bytes: Uint8Array) => encodeBase64Url(bytes)
const textOf = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes))

const KEY_A = generateKey()
const KEY_B = generateKey()

describe('spec vectors', () => {
  it('produces exactly the token of every generate vector', async () => {
    for (const v of generateVectors) {
      const keys = await loadKeyring(v.secret)
      expect(await encrypt(keys, v.src, { now: seconds(v.now), iv: Uint8Array.from(v.iv) })).toBe(v.token)
    }
  })

  it('decrypts every verify vector to its source', async () => {
    for (const v of verifyVectors) {
      const keys = await loadKeyring(v.secret)
      expect(textOf(await decrypt(keys, v.token, { ttl: v.ttl_sec, now: seconds(v.now) }))).toBe(v.src)
    }
  })

  it.each(invalidVectors)('rejects the invalid vector "$desc"', async (v) => {
    const keys = await loadKeyring(v.secret)
    expect(await decrypt(keys, v.token, { ttl: v.ttl_sec, now: seconds(v.now) })).toBeNull()
  })
})

describe('round trip', () => {
  it('returns the text it encrypted', async () => {
    const keys = await loadKeyring(KEY_A)
    expect(await decryptText(keys, await encryptText(keys, 'hello, Parley'))).toBe('hello, Parley')
  })

  it('returns the empty string it encrypted', async () => {
    const keys = await loadKeyring(KEY_A)
    expect(await decryptText(keys, await encryptText(keys, ''))).toBe('')
  })

  it('returns non-BMP unicode unchanged', async () => {
    const keys = await loadKeyring(KEY_A)
    const text = 'clef 𝄞, party 🎉, family 👩‍👩‍👧, rare 𠜎'
    expect(await decryptText(keys, await encryptText(keys, text))).toBe(text)
  })

  it('keeps a leading byte order mark', async () => {
    const keys = await loadKeyring(KEY_A)
    expect(await decryptText(keys, await encryptText(keys, '\uFEFFbom'))).toBe('\uFEFFbom')
  })

  it('stores a lone surrogate as U+FFFD, since UTF-8 cannot hold it', async () => {
    const keys = await loadKeyring(KEY_A)
    expect(await decryptText(keys, await encryptText(keys, 'a\uD800b'))).toBe('a\uFFFDb')
  })

  it('returns the bytes it encrypted, including a whole block that needs a full padding block', async () => {
    const keys = await loadKeyring(KEY_A)
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 7)
    const token = await encrypt(keys, bytes)
    expect(bytesOf(token).length).toBe(1 + 8 + 16 + 48 + 32)
    expect(await decrypt(keys, token)).toEqual(bytes)
  })

  it('makes a different token for the same text each time', async () => {
    const keys = await loadKeyring(KEY_A)
    expect(await encryptText(keys, 'same')).not.toBe(await encryptText(keys, 'same'))
  })

  it('stamps the token with the current unix time', async () => {
    const keys = await loadKeyring(KEY_A)
    const before = Math.floor(Date.now() / 1000)
    const bytes = bytesOf(await encryptText(keys, 'now'))
    const stamped = new DataView(bytes.buffer).getUint32(5)
    expect(bytes[0]).toBe(0x80)
    expect(new DataView(bytes.buffer).getUint32(1)).toBe(0)
    expect(stamped).toBeGreaterThanOrEqual(before)
    expect(stamped).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000))
  })

  it('returns null from decryptText for a valid token whose plaintext is not UTF-8', async () => {
    const keys = await loadKeyring(KEY_A)
    const token = await encrypt(keys, Uint8Array.of(0xff, 0xfe))
    expect(await decrypt(keys, token)).toEqual(Uint8Array.of(0xff, 0xfe))
    expect(await decryptText(keys, token)).toBeNull()
  })
})

describe('tampering', () => {
  it('rejects a token with any single byte changed', async () => {
    const keys = await loadKeyring(KEY_A)
    const bytes = bytesOf(await encryptText(keys, 'tamper with me'))
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const tampered = bytes.slice()
        tampered[i]! ^= mask
        expect(await decrypt(keys, tokenOf(tampered)), `byte ${i} ^ ${mask}`).toBeNull()
      }
    }
  })

  it('rejects a token with any single character changed', async () => {
    const keys = await loadKeyring(KEY_A)
    const token = await encryptText(keys, 'tamper with me too')
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_='
    for (let i = 0; i < token.length; i++) {
      for (const c of [alphabet[(alphabet.indexOf(token[i]!) + 1) % alphabet.length]!, '+', ' ']) {
        const tampered = token.slice(0, i) + c + token.slice(i + 1)
        expect(await decrypt(keys, tampered), `character ${i} -> ${c}`).toBeNull()
      }
    }
  })

  it('rejects a non-canonical spelling of a valid token', async () => {
    const keys = await loadKeyring(KEY_A)
    // 'hello' makes a 73-byte token, so its last data character carries 4 unused bits, all zero when canonical.
    const token = await encryptText(keys, 'hello')
    expect(token).toMatch(/[^=]==$/)
    const last = token.length - 3
    const sibling = `${token.slice(0, last)}${String.fromCharCode(token.charCodeAt(last) + 1)}==`
    // A lenient decoder (atob) reads both spellings as the same bytes, so the MAC alone would not catch it.
    const lenient = (t: string) => atob(t.replaceAll('-', '+').replaceAll('_', '/'))
    expect(lenient(sibling)).toBe(lenient(token))
    expect(await decrypt(keys, sibling)).toBeNull()
  })

  it('rejects a token without its padding', async () => {
    const keys = await loadKeyring(KEY_A)
    const token = await encryptText(keys, 'hello')
    expect(await decrypt(keys, token.replace(/=+$/, ''))).toBeNull()
  })

  it('rejects a token that is truncated or extended by a block', async () => {
    const keys = await loadKeyring(KEY_A)
    const bytes = bytesOf(await encryptText(keys, 'sixteen bytes!!!'))
    const extended = new Uint8Array(bytes.length + 16)
    extended.set(bytes)
    expect(await decrypt(keys, tokenOf(bytes.subarray(0, bytes.length - 16)))).toBeNull()
    expect(await decrypt(keys, tokenOf(extended))).toBeNull()
  })

  it('rejects the empty string and garbage', async () => {
    const keys = await loadKeyring(KEY_A)
    for (const token of ['', '====', 'gA==', 'not a token', 'gAAAAA'.padEnd(200, 'A')]) {
      expect(await decrypt(keys, token), token).toBeNull()
    }
  })
})

describe('key rotation', () => {
  it('decrypts a token made with key A under the keyring "B,A"', async () => {
    const token = await encryptText(await loadKeyring(KEY_A), 'rotated')
    expect(await decryptText(await loadKeyring(`${KEY_B},${KEY_A}`), token)).toBe('rotated')
  })

  it('does not decrypt a token made with key A under the keyring "B"', async () => {
    const token = await encryptText(await loadKeyring(KEY_A), 'rotated')
    expect(await decryptText(await loadKeyring(KEY_B), token)).toBeNull()
  })

  it('encrypts with the first key of the keyring', async () => {
    const token = await encryptText(await loadKeyring(`${KEY_B},${KEY_A}`), 'first')
    expect(await decryptText(await loadKeyring(KEY_B), token)).toBe('first')
    expect(await decryptText(await loadKeyring(KEY_A), token)).toBeNull()
  })
})

describe('loadKeyring', () => {
  it('accepts the FERNET_KEYS the worker is configured with', async () => {
    const keys = await loadKeyring(env.FERNET_KEYS)
    expect(await decryptText(keys, await encryptText(keys, 'configured'))).toBe('configured')
  })

  it('ignores whitespace around commas', async () => {
    const token = await encryptText(await loadKeyring(KEY_A), 'spaced')
    expect(await decryptText(await loadKeyring(` ${KEY_B} ,\n ${KEY_A}\t`), token)).toBe('spaced')
  })

  it('imports a given FERNET_KEYS value once', () => {
    const csv = `${generateKey()},${generateKey()}`
    expect(loadKeyring(csv)).toBe(loadKeyring(csv))
  })

  it('rejects an empty FERNET_KEYS', async () => {
    await expect(loadKeyring('')).rejects.toThrow(/FERNET_KEYS is empty/)
    await expect(loadKeyring('  ')).rejects.toThrow(/FERNET_KEYS is empty/)
  })

  it('rejects an empty entry between commas', async () => {
    await expect(loadKeyring(`${KEY_A},`)).rejects.toThrow(/key 2 of 2 is empty/)
  })

  it('rejects a key in standard rather than url-safe base64', async () => {
    const standard = btoa(String.fromCharCode(...new Uint8Array(32).fill(0xfb)))
    expect(standard).toMatch(/[+/]/)
    await expect(loadKeyring(standard)).rejects.toThrow(/key 1 of 1 is not a Fernet key/)
  })

  it('rejects a key that is not 32 bytes', async () => {
    const short = encodeBase64Url(new Uint8Array(16))
    const long = encodeBase64Url(new Uint8Array(33))
    await expect(loadKeyring(short)).rejects.toThrow(/not a Fernet key: expected 32 bytes/)
    await expect(loadKeyring(`${KEY_A},${long}`)).rejects.toThrow(/key 2 of 2 is not a Fernet key/)
  })

  it('rejects a key without its padding', async () => {
    await expect(loadKeyring(KEY_A.replace(/=$/, ''))).rejects.toThrow(/not a Fernet key/)
  })

  it('keeps the key out of its error message', async () => {
    const bad = `${KEY_A.slice(0, 40)}!!!=`
    const error = await loadKeyring(bad).then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).not.toContain(KEY_A.slice(0, 40))
  })
})

describe('generateKey', () => {
  it('makes distinct 32-byte url-safe base64 keys with padding', () => {
    const key = generateKey()
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}=$/)
    expect(decodeBase64Url(key)?.length).toBe(32)
    expect(generateKey()).not.toBe(key)
  })
})

describe('timestamps', () => {
  const made = 1_700_000_000

  it('accepts a token exactly ttl seconds old', async () => {
    const keys = await loadKeyring(KEY_A)
    const token = await encrypt(keys, 'fresh', { now: made })
    expect(textOf(await decrypt(keys, token, { ttl: 60, now: made + 60 }))).toBe('fresh')
  })

  it('rejects a token older than its ttl', async () => {
    const keys = await loadKeyring(KEY_A)
    const token = await encrypt(keys, 'stale', { now: made })
    expect(await decrypt(keys, token, { ttl: 60, now: made + 61 })).toBeNull()
  })

  it('does not expire tokens when no ttl is given', async () => {
    const keys = await loadKeyring(KEY_A)
    const token = await encrypt(keys, 'old', { now: 0 })
    expect(textOf(await decrypt(keys, token))).toBe('old')
  })

  it('accepts a token up to 60 seconds from the future', async () => {
    const keys = await loadKeyring(KEY_A)
    const token = await encrypt(keys, 'skewed', { now: made + 60 })
    expect(textOf(await decrypt(keys, token, { now: made }))).toBe('skewed')
  })

  it('rejects a token from more than 60 seconds in the future, with or without ttl', async () => {
    const keys = await loadKeyring(KEY_A)
    const token = await encrypt(keys, 'skewed', { now: made + 61 })
    expect(await decrypt(keys, token, { now: made })).toBeNull()
    expect(await decrypt(keys, token, { now: made, ttl: 3600 })).toBeNull()
  })

  it('refuses a ttl that is not a non-negative number, rather than never expiring', async () => {
    const keys = await loadKeyring(KEY_A)
    const token = await encryptText(keys, 'nan')
    await expect(decrypt(keys, token, { ttl: Number.NaN })).rejects.toThrow(RangeError)
    await expect(decrypt(keys, token, { ttl: -1 })).rejects.toThrow(RangeError)
  })

  it('refuses a wrong-sized IV or a fractional time when encrypting', async () => {
    const keys = await loadKeyring(KEY_A)
    await expect(encrypt(keys, 'x', { iv: new Uint8Array(12) })).rejects.toThrow(RangeError)
    await expect(encrypt(keys, 'x', { now: 1.5 })).rejects.toThrow(RangeError)
  })
})

describe('base64url', () => {
  it('round-trips arbitrary bytes, padded and unpadded', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => {
        expect(decodeBase64Url(encodeBase64Url(bytes))).toEqual(bytes)
        expect(decodeBase64Url(encodeBase64Url(bytes, { pad: false }), { padding: 'forbidden' })).toEqual(bytes)
      }),
    )
  })

  it('encodes like the platform base64 with the url-safe alphabet', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => {
        const standard = btoa(String.fromCharCode(...bytes))
        expect(encodeBase64Url(bytes)).toBe(standard.replaceAll('+', '-').replaceAll('/', '_'))
      }),
    )
  })

  it('reports invalid input as null', () => {
    for (const text of ['A', 'AB', 'AB=', 'A===', '====', 'AB==AB==', 'AB+/', 'AB C', 'AB\n', 'ABC\u00e9', 'AB=A']) {
      expect(decodeBase64Url(text), JSON.stringify(text)).toBeNull()
    }
    expect(decodeBase64Url('AB==', { padding: 'forbidden' })).toBeNull()
    expect(decodeBase64Url('AA', { padding: 'optional' })).toEqual(Uint8Array.of(0))
  })

  it('rejects non-zero leftover bits in the last character', () => {
    expect(decodeBase64Url('AA==')).toEqual(Uint8Array.of(0))
    expect(decodeBase64Url('AB==')).toBeNull()
    expect(decodeBase64Url('AAA=')).toEqual(Uint8Array.of(0, 0))
    expect(decodeBase64Url('AAB=')).toBeNull()
  })
})

describe('properties', () => {
  it('round-trips arbitrary strings', async () => {
    const keys = await loadKeyring(KEY_A)
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (text) => {
        expect(await decryptText(keys, await encryptText(keys, text))).toBe(text)
      }),
    )
  })

  it('round-trips arbitrary bytes', async () => {
    const keys = await loadKeyring(KEY_A)
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        expect(await decrypt(keys, await encrypt(keys, bytes))).toEqual(bytes)
      }),
    )
  })

  it('rejects a token with any single bit of its bytes flipped', async () => {
    const keys = await loadKeyring(KEY_A)
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 100 }), fc.nat(), async (plaintext, n) => {
        const bytes = bytesOf(await encrypt(keys, plaintext))
        const bit = n % (bytes.length * 8)
        bytes[bit >>> 3]! ^= 1 << (bit & 7)
        expect(await decrypt(keys, tokenOf(bytes))).toBeNull()
      }),
    )
  })
})
