// Interop of worker/crypto/fernet.ts with pyca/cryptography's Fernet (Debian's python3-cryptography), run from Node.
import { execFileSync } from 'node:child_process'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { findPython } from '../../scripts/lib/test-prereqs.ts'
import { decrypt, encrypt, generateKey, loadKeyring } from '../../worker/crypto/fernet.ts'

// One process per batch: the items travel as base64 in JSON, so any bytes survive the trip.
const PYTHON = `
import base64, json, sys
from cryptography.fernet import Fernet, InvalidToken
request = json.load(sys.stdin)
fernet = Fernet(request['key'])
def decrypt(token):
    try:
        return base64.b64encode(fernet.decrypt(token)).decode()
    except InvalidToken:
        return None
if request['op'] == 'decrypt':
    out = [decrypt(token) for token in request['items']]
else:
    out = [fernet.encrypt(base64.b64decode(item)).decode() for item in request['items']]
json.dump(out, sys.stdout)
`

// The test command's first step (scripts/test-prereqs.ts) installs or demands pyca, so this
// suite fails, never skips, without it.
const PYTHON_BIN = findPython()
if (!PYTHON_BIN) throw new Error('python3 with cryptography is missing: the test command should have installed it')

function pyca(op: 'encrypt' | 'decrypt', key: string, items: string[]): (string | null)[] {
  const input = JSON.stringify({ op, key, items })
  return JSON.parse(execFileSync(PYTHON_BIN!, ['-c', PYTHON], { input, encoding: 'utf8' }))
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')
const utf8 = (text: string) => new TextEncoder().encode(text)

const SAMPLES: Uint8Array[] = [
  new Uint8Array(0),
  utf8('hello'),
  utf8('clef 𝄞, party 🎉, rare 𠜎'),
  new Uint8Array(16).fill(0x10),
  ...fc.sample(fc.uint8Array({ maxLength: 300 }), { numRuns: 40, seed: 20_251_126 }),
]

describe('interop with pyca/cryptography Fernet (python3-cryptography)', () => {
  it('decrypts with pyca every token we make', async () => {
    const key = generateKey()
    const keys = await loadKeyring(key)
    const tokens = await Promise.all(SAMPLES.map((bytes) => encrypt(keys, bytes)))
    expect(pyca('decrypt', key, tokens)).toEqual(SAMPLES.map(b64))
  })

  it('decrypts every token pyca makes', async () => {
    const key = generateKey()
    const keys = await loadKeyring(key)
    const tokens = pyca('encrypt', key, SAMPLES.map(b64)) as string[]
    const plaintexts = await Promise.all(tokens.map((token) => decrypt(keys, token, { ttl: 60 })))
    expect(plaintexts).toEqual(SAMPLES)
  })

  it('makes tokens that pyca rejects under another key', async () => {
    const keys = await loadKeyring(generateKey())
    const token = await encrypt(keys, utf8('not yours'))
    expect(pyca('decrypt', generateKey(), [token])).toEqual([null])
  })

  it('agrees with pyca on the token for a fixed key, time and IV', async () => {
    // pyca draws its IV and time itself, so compare with the spec vector both implementations must meet.
    const key = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4='
    const keys = await loadKeyring(key)
    const iv = Uint8Array.from({ length: 16 }, (_, i) => i)
    const token = await encrypt(keys, 'hello', { now: Date.parse('1985-10-26T01:20:00-07:00') / 1000, iv })
    expect(token).toBe(
      'gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==',
    )
    expect(pyca('decrypt', key, [token])).toEqual([b64(utf8('hello'))])
  })
})
