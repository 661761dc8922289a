// Named limits (configurable through env vars, see README "Limits") and their checks.
import type { Env } from '../env.ts'
import { Problem } from './problem.ts'

export interface Limits {
  loginFailsPerIp: number
  loginFailsPerIpWindowS: number
  loginFailsPerEmail: number
  loginEmailLockoutS: number
  registrationsPerIp: number
  registrationsPerIpWindowS: number
}

function num(value: string | undefined, fallback: number): number {
  const n = Number(value)
  return Number.isFinite(n) && n > 0 ? n : fallback
}

export function limitsOf(env: Env): Limits {
  return {
    loginFailsPerIp: num(env.LOGIN_FAILS_PER_IP, 30),
    loginFailsPerIpWindowS: num(env.LOGIN_FAILS_PER_IP_WINDOW_S, 600),
    loginFailsPerEmail: num(env.LOGIN_FAILS_PER_EMAIL, 10),
    loginEmailLockoutS: num(env.LOGIN_EMAIL_LOCKOUT_S, 900),
    registrationsPerIp: num(env.REGISTRATIONS_PER_IP, 1000),
    registrationsPerIpWindowS: num(env.REGISTRATIONS_PER_IP_WINDOW_S, 600),
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
