// Fresh accounts for browser tests, made over HTTP so each test starts where it needs to.
import { randomUUID } from 'node:crypto'
import type { BrowserContext, Page } from 'playwright-core'
import type { User } from '../../../protocol/api.ts'

export interface Credentials {
  email: string
  password: string
}

export function freshCredentials(): Credentials {
  const id = randomUUID()
  return { email: `person-${id.slice(0, 8)}@example.com`, password: `calm-harbour-${id.slice(9, 23)}` }
}

/**
 * Registers from Node and logs that session out again, so the account exists with no live
 * session and the person is still signed out in every browser.
 */
export async function createAccount(
  baseUrl: string,
  names: { firstName?: string; lastName?: string } = {},
): Promise<Credentials & { user: User }> {
  const credentials = freshCredentials()
  const res = await fetch(`${baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...credentials, ...names }),
  })
  if (res.status !== 201) throw new Error(`register answered ${res.status}: ${await res.text()}`)
  const { user } = (await res.json()) as { user: User }
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0])
  const out = await fetch(`${baseUrl}/api/auth/logout`, { method: 'POST', headers: { cookie: cookie.join('; ') } })
  if (out.status !== 204) throw new Error(`logout answered ${out.status}: ${await out.text()}`)
  return { ...credentials, user }
}

/** Registers through the context's own request client, which shares its cookies: signed in. */
export async function signUpInContext(context: BrowserContext): Promise<Credentials & { user: User }> {
  const credentials = freshCredentials()
  const res = await context.request.post('/api/auth/register', { data: credentials })
  if (res.status() !== 201) throw new Error(`register answered ${res.status()}: ${await res.text()}`)
  const { user } = (await res.json()) as { user: User }
  return { ...credentials, user }
}

/** Signs in through the form, from wherever the page is, and waits to leave /signin. */
export async function signInWithForm(page: Page, credentials: Credentials): Promise<void> {
  if (!new URL(page.url()).pathname.startsWith('/signin')) await page.goto('/signin')
  await page.getByLabel('Email', { exact: true }).fill(credentials.email)
  await page.getByLabel('Password', { exact: true }).fill(credentials.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await page.waitForURL((url) => !url.pathname.startsWith('/signin'))
}
