// Named limits (configurable through env vars, see README "Limits") and their checks.
// Every check reserves before any work it guards (a lookup, a hash) and hands the
// reservation back when the attempt turns out not to count, so parallel requests cannot
// all pass a check that only one of them should (issue 10).
import type { Env } from '../env.ts'
import { type HashSlot, passwordHashing } from '../limits/hash-slots.ts'
import { Problem } from './problem.ts'

export interface Limits {
  loginFailsPerIp: number
  loginFailsPerIpWindowS: number
  loginFailsPerEmail: number
  loginEmailLockoutS: number
  registrationsPerIp: number
  registrationsPerIpWindowS: number
  registrationTakenPerIp: number
  passwordHashesInFlight: number
  passwordHashQueue: number
}

function num(value: string | undefined, fallback: number): number {
  const n = Number(value)
  return Number.isFinite(n) && n > 0 ? n : fallback
}

/** Like `num`, but 0 is a setting (no one waits), not a missing value. */
function count(value: string | undefined, fallback: number): number {
  const n = Number(value)
  return value !== undefined && value !== '' && Number.isSafeInteger(n) && n >= 0 ? n : fallback
}

export function limitsOf(env: Env): Limits {
  return {
    loginFailsPerIp: num(env.LOGIN_FAILS_PER_IP, 30),
    loginFailsPerIpWindowS: num(env.LOGIN_FAILS_PER_IP_WINDOW_S, 600),
    loginFailsPerEmail: num(env.LOGIN_FAILS_PER_EMAIL, 10),
    loginEmailLockoutS: num(env.LOGIN_EMAIL_LOCKOUT_S, 900),
    registrationsPerIp: num(env.REGISTRATIONS_PER_IP, 1020),
    registrationsPerIpWindowS: num(env.REGISTRATIONS_PER_IP_WINDOW_S, 600),
    registrationTakenPerIp: num(env.REGISTRATION_TAKEN_PER_IP, 20),
    passwordHashesInFlight: num(env.PASSWORD_HASHES_IN_FLIGHT, 2),
    passwordHashQueue: count(env.PASSWORD_HASH_QUEUE, 32),
  }
}

export function limiter(env: Env, key: string) {
  return env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key))
}

/** The address Cloudflare saw; `wrangler dev` sets it too. */
export function clientAddress(req: Request): string {
  return req.headers.get('cf-connecting-ip') ?? 'unknown'
}

export function tooMany(retryAfter: number, detail: string): Problem {
  return new Problem(429, 'rate-limited', detail, undefined, { 'Retry-After': String(retryAfter) })
}

/** An attempt counted before its password is checked. A failure leaves it counted. */
export interface Attempt {
  /** The password was never checked (the server was busy): as if the attempt never happened. */
  refund(): Promise<void>
  /** The right password: the failures it was counted against end. */
  succeed(): Promise<void>
}

/**
 * Reserves one sign-in on the address's failure window and the email's lockout, both
 * before the account is looked up, so the answer is the same whether it exists. If one
 * refuses, the other is handed back and the caller gets the 429.
 */
export async function reserveSignIn(env: Env, limits: Limits, address: string, email: string): Promise<Attempt> {
  const ip = limiter(env, `login-ip:${address}`)
  const mail = limiter(env, `login-email:${email}`)
  const [byIp, byEmail] = await Promise.all([
    ip.reserve(limits.loginFailsPerIp, limits.loginFailsPerIpWindowS),
    mail.reserveAttempt(limits.loginFailsPerEmail, limits.loginEmailLockoutS),
  ])
  const refundIp = () => ip.refund(byIp.token)
  const refundEmail = () => mail.refundAttempt(limits.loginFailsPerEmail, byEmail.token)
  if (!byIp.allowed || !byEmail.allowed) {
    await Promise.all([byIp.allowed && refundIp(), byEmail.allowed && refundEmail()])
    if (!byIp.allowed) throw tooMany(byIp.retryAfter, 'Too many failed sign-ins from your network. Try again later.')
    throw tooMany(byEmail.retryAfter, 'Too many failed sign-ins for this email. Try again later.')
  }
  return {
    refund: async () => {
      await Promise.all([refundIp(), refundEmail()])
    },
    succeed: async () => {
      await Promise.all([refundIp(), mail.resetFailures()])
    },
  }
}

/** Reserves one check of a signed-in user's password on their email's lockout (as a sign-in would). */
export async function reservePasswordCheck(env: Env, limits: Limits, email: string): Promise<Attempt> {
  const mail = limiter(env, `login-email:${email}`)
  const verdict = await mail.reserveAttempt(limits.loginFailsPerEmail, limits.loginEmailLockoutS)
  if (!verdict.allowed) throw tooMany(verdict.retryAfter, 'Too many wrong passwords. Try again later.')
  return {
    refund: () => mail.refundAttempt(limits.loginFailsPerEmail, verdict.token),
    succeed: () => mail.resetFailures(),
  }
}

/** A registration counted on its address's window before the email is looked up. */
export interface Registration {
  /** It never got to the lookup (the server was busy): as if it never happened. */
  refund(): Promise<void>
  /**
   * Counts the coming lookup as one of a taken email, or refuses (429) once the address has
   * used up its taken-email registrations; `free()` hands it back when the email is new.
   */
  reserveTakenEmail(): Promise<{ free(): Promise<void> }>
}

/**
 * Reserves one registration on the address's window: every attempt counts, whatever it
 * finds. Once the address has tried `registrationTakenPerIp` emails that already had an
 * account, every registration from it is refused until the window ends, before any
 * lookup, so the refusal tells nothing about the email.
 */
export async function reserveRegistration(env: Env, limits: Limits, address: string): Promise<Registration> {
  const ip = limiter(env, `register-ip:${address}`)
  const taken = limiter(env, `register-taken-ip:${address}`)
  const windowS = limits.registrationsPerIpWindowS
  const [byIp, byTaken] = await Promise.all([
    ip.reserve(limits.registrationsPerIp, windowS),
    taken.peek(limits.registrationTakenPerIp, windowS),
  ])
  if (!byIp.allowed) throw tooMany(byIp.retryAfter, 'Too many registrations from your network. Try again later.')
  const tooManyTaken = (retryAfter: number) =>
    tooMany(
      retryAfter,
      'Too many registrations of emails that already have an account came from your network. Try again later.',
    )
  if (!byTaken.allowed) throw tooManyTaken(byTaken.retryAfter)
  return {
    refund: () => ip.refund(byIp.token),
    reserveTakenEmail: async () => {
      const verdict = await taken.reserve(limits.registrationTakenPerIp, windowS)
      if (!verdict.allowed) throw tooManyTaken(verdict.retryAfter)
      return { free: () => taken.refund(verdict.token) }
    },
  }
}

/**
 * One of this isolate's password-hashing slots (waiting in line for one if need be), or a
 * 429 when the line is full too. `onBusy` hands back what the request reserved, so being
 * turned away counts as nothing.
 */
export async function takeHashSlot(limits: Limits, onBusy: () => Promise<void>): Promise<HashSlot> {
  const slot = await passwordHashing.take({ inFlight: limits.passwordHashesInFlight, queue: limits.passwordHashQueue })
  if (slot) return slot
  await onBusy()
  throw new Problem(
    429,
    'busy',
    'Parley is busy checking other passwords right now. Try again in a moment.',
    undefined,
    { 'Retry-After': String(BUSY_RETRY_AFTER_S) },
  )
}

/** One hash takes ~300 ms: a second later the line has moved. */
const BUSY_RETRY_AFTER_S = 1
