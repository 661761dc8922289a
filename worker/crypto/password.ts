// Password hashing: argon2id (@noble/hashes) in PHC string format, so stored hashes name
// their own parameters and can be upgraded on the next successful login.
import { argon2id } from '@noble/hashes/argon2.js'

/** OWASP Password Storage Cheat Sheet minimum for argon2id: 19 MiB, 2 passes, 1 lane. */
export interface Argon2Params {
  m: number
  t: number
  p: number
}

export const ARGON2_PARAMS: Readonly<Argon2Params> = { m: 19_456, t: 2, p: 1 }
const HASH_BYTES = 32
const SALT_BYTES = 16

interface Parsed {
  m: number
  t: number
  p: number
  salt: Uint8Array
  hash: Uint8Array
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/=+$/, '')
const unb64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))

function derive(password: string, salt: Uint8Array, m: number, t: number, p: number): Uint8Array {
  return argon2id(new TextEncoder().encode(password), salt, { m, t, p, dkLen: HASH_BYTES })
}

export function hashPassword(password: string, params: Argon2Params = ARGON2_PARAMS): string {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES))
  const hash = derive(password, salt, params.m, params.t, params.p)
  return `$argon2id$v=19$m=${params.m},t=${params.t},p=${params.p}$${b64(salt)}$${b64(hash)}`
}

function parse(phc: string): Parsed | null {
  const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(phc)
  if (!m) return null
  try {
    return { m: Number(m[1]), t: Number(m[2]), p: Number(m[3]), salt: unb64(m[4]!), hash: unb64(m[5]!) }
  } catch {
    return null
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

export function verifyPassword(password: string, phc: string): boolean {
  const parsed = parse(phc)
  if (!parsed) return false
  return equalBytes(derive(password, parsed.salt, parsed.m, parsed.t, parsed.p), parsed.hash)
}

/** True when the stored hash is weaker than today's parameters. */
export function needsRehash(phc: string, params: Argon2Params = ARGON2_PARAMS): boolean {
  const parsed = parse(phc)
  return !parsed || parsed.m < params.m || parsed.t < params.t || parsed.p !== params.p
}

// Unknown emails are verified against this, so they cost the same time as a real account.
const DUMMY_HASH = `$argon2id$v=19$m=${ARGON2_PARAMS.m},t=${ARGON2_PARAMS.t},p=${ARGON2_PARAMS.p}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`

export function burnPasswordCheck(password: string): void {
  verifyPassword(password, DUMMY_HASH)
}
