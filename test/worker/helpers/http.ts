// Test helpers that speak to the Worker the way a client does: JSON, cookies, origins.
import { SELF } from 'cloudflare:test'
import { expect } from 'vitest'

export const ORIGIN = 'https://parley.test'

export interface Call {
  method?: string
  body?: unknown
  cookie?: string
  headers?: Record<string, string>
}

export async function call(path: string, { method, body, cookie, headers }: Call = {}): Promise<Response> {
  const h = new Headers(headers)
  if (body !== undefined && !h.has('content-type')) h.set('content-type', 'application/json')
  if (cookie) h.set('cookie', cookie)
  return SELF.fetch(`${ORIGIN}${path}`, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: h,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** The `name=value` part of the session cookie a response sets. */
export function sessionCookie(res: Response): string {
  const set = res.headers.get('set-cookie') ?? ''
  const match = /parley_session=[^;]*/.exec(set)
  if (!match) throw new Error(`no session cookie in ${JSON.stringify(set)}`)
  return match[0]
}

let counter = 0
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}-${crypto.randomUUID().slice(0, 8)}@example.com`
}

/** A fresh address per test keeps per-address rate limits from leaking between tests. */
export function freshAddress(): string {
  const b = crypto.getRandomValues(new Uint8Array(3))
  return `10.${b[0]}.${b[1]}.${b[2]}`
}

export const PASSWORD = 'correct horse battery staple'

export interface SignedUp {
  id: string
  email: string
  password: string
  cookie: string
  user: Record<string, unknown>
}

export async function signUp(
  fields: { firstName?: string; lastName?: string; email?: string } = {},
): Promise<SignedUp> {
  const email = fields.email ?? uniqueEmail()
  const res = await call('/api/auth/register', {
    body: { email, password: PASSWORD, firstName: fields.firstName, lastName: fields.lastName },
    headers: { 'cf-connecting-ip': freshAddress() },
  })
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${await res.text()}`)
  const { user } = (await res.json()) as { user: Record<string, unknown> & { id: string } }
  return { id: user.id, email, password: PASSWORD, cookie: sessionCookie(res), user }
}

/** Another session of an existing account (another device): its cookie. */
export async function signIn(email: string, password = PASSWORD): Promise<string> {
  const res = await call('/api/auth/login', {
    body: { email, password },
    headers: { 'cf-connecting-ip': freshAddress() },
  })
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`)
  return sessionCookie(res)
}

export async function problemOf(res: Response) {
  expect(res.headers.get('content-type')).toContain('application/problem+json')
  return (await res.json()) as {
    type: string
    title: string
    status: number
    detail: string
    errors?: Record<string, string>
  }
}
