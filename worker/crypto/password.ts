// Password hashing: argon2id (@noble/hashes) in PHC string format, so stored hashes name
// their own parameters and can be upgraded on the next successful login. The Worker hashes
// only through a slot of worker/limits/hash-slots.ts (the *Sliced functions); the
// one-piece functions are for Node scripts and tests.
import { argon2id, argon2idAsync } from '@noble/hashes/argon2.js'

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

/**
 * The sliced hash hands the event loop back every ASYNC_TICK_MS of work, so other requests
 * in the isolate run between slices; same bytes as the one-piece hash. It slices by
 * Date.now(), which on Cloudflare's edge only advances on I/O: deployed, a hash still runs
 * in one piece, and the hash slots are what keep other requests from waiting behind many.
 * Each hand-back is a timer (about 1 ms): a failed sign-in under `wrangler dev` took
 * ~235 ms sliced against ~225 ms in one piece.
 */
const ASYNC_TICK_MS = 10

function derive(password: string, salt: Uint8Array, m: number, t: number, p: number): Uint8Array {
  return argon2id(new TextEncoder().encode(password), salt, { m, t, p, dkLen: HASH_BYTES })
}

function deriveSliced(password: string, salt: Uint8Array, m: number, t: number, p: number): Promise<Uint8Array> {
  return argon2idAsync(new TextEncoder().encode(password), salt, {
    m,
    t,
    p,
    dkLen: HASH_BYTES,
    asyncTick: ASYNC_TICK_MS,
  })
}

const phcOf = (params: Argon2Params, salt: Uint8Array, hash: Uint8Array) =>
  `$argon2id$v=19$m=${params.m},t=${params.t},p=${params.p}$${b64(salt)}$${b64(hash)}`

export function hashPassword(password: string, params: Argon2Params = ARGON2_PARAMS): string {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES))
  return phcOf(params, salt, derive(password, salt, params.m, params.t, params.p))
}

export async function hashPasswordSliced(password: string, params: Argon2Params = ARGON2_PARAMS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES))
  return phcOf(params, salt, await deriveSliced(password, salt, params.m, params.t, params.p))
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

export async function verifyPasswordSliced(password: string, phc: string): Promise<boolean> {
  const parsed = parse(phc)
  if (!parsed) return false
  return equalBytes(await deriveSliced(password, parsed.salt, parsed.m, parsed.t, parsed.p), parsed.hash)
}

/** True when the stored hash is weaker than today's parameters. */
export function needsRehash(phc: string, params: Argon2Params = ARGON2_PARAMS): boolean {
  const parsed = parse(phc)
  return !parsed || parsed.m < params.m || parsed.t < params.t || parsed.p !== params.p
}

// Unknown emails are verified against this, so they cost the same time as a real account.
const DUMMY_HASH = `$argon2id$v=19$m=${ARGON2_PARAMS.m},t=${ARGON2_PARAMS.t},p=${ARGON2_PARAMS.p}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`

export async function burnPasswordCheckSliced(password: string): Promise<void> {
  await verifyPasswordSliced(password, DUMMY_HASH)
}
