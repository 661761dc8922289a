// Chat steps for browser tests: people with searchable names, finding and opening a
// conversation, sending from the composer, and reading the message log as data.
import { randomBytes } from 'node:crypto'
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core'
import type { User } from '../../../protocol/api.ts'
import { type Credentials, freshCredentials } from './accounts.ts'
import type { Person } from './browser.ts'

/** A name word no other test run has: searches find exactly the person meant. */
export function uniqueWord(prefix: string): string {
  const letters = [...randomBytes(6)].map((b) => String.fromCharCode(97 + (b % 26))).join('')
  return `${prefix}${letters}`
}

export interface NamedPerson extends Credentials {
  user: User
  firstName: string
  lastName: string
  name: string
}

/** Registers through the context's request client (sharing its cookies): signed in there. */
export async function signUpNamed(context: BrowserContext, firstName: string, lastName: string): Promise<NamedPerson> {
  const credentials = freshCredentials()
  const res = await context.request.post('/api/auth/register', { data: { ...credentials, firstName, lastName } })
  if (res.status() !== 201) throw new Error(`register answered ${res.status()}: ${await res.text()}`)
  const { user } = (await res.json()) as { user: User }
  return { ...credentials, user, firstName, lastName, name: `${firstName} ${lastName}` }
}

export interface PairOptions {
  /** Prefix of the shared last name, made unique with uniqueWord. */
  family?: string
  /** The two first names; the first person is `a`/`ada`, the second `b`/`bob`, whatever they are called. */
  names?: [string, string]
  /** For both people's browser contexts. */
  context?: BrowserContextOptions
}

export interface Pair {
  a: Person
  b: Person
  ada: NamedPerson
  bob: NamedPerson
}

/**
 * Two people (from `person`, e.g. usePeople's) signed up with the same unique last name, so a
 * search finds just them; their pages are still blank.
 */
export async function signedUpPair(
  person: (options?: BrowserContextOptions) => Promise<Person>,
  { family = 'Pair', names = ['Ada', 'Bob'], context }: PairOptions = {},
): Promise<Pair> {
  const last = uniqueWord(family)
  const [a, b] = [await person(context), await person(context)]
  const [ada, bob] = await Promise.all([signUpNamed(a.context, names[0], last), signUpNamed(b.context, names[1], last)])
  return { a, b, ada, bob }
}

/** Each of the pair opens the conversation with the other, one after the other, and waits until it is connected. */
export async function openEachOther(pair: Pair): Promise<Pair> {
  await pair.a.page.goto(`/c/${pair.bob.user.id}`)
  await pair.b.page.goto(`/c/${pair.ada.user.id}`)
  await Promise.all([conversationReady(pair.a.page, pair.bob.name), conversationReady(pair.b.page, pair.ada.name)])
  return pair
}

/** signedUpPair, then openEachOther: both have their conversation open and connected. */
export async function talkingPair(
  person: (options?: BrowserContextOptions) => Promise<Person>,
  options?: PairOptions,
): Promise<Pair> {
  return openEachOther(await signedUpPair(person, options))
}

/** Registers through the form, as a new person would. */
export async function registerWithForm(page: Page, firstName: string, lastName: string): Promise<NamedPerson> {
  const credentials = freshCredentials()
  await page.goto('/register')
  await page.getByLabel('Email', { exact: true }).fill(credentials.email)
  await page.getByLabel('First name').fill(firstName)
  await page.getByLabel('Last name').fill(lastName)
  await page.getByLabel('Password', { exact: true }).fill(credentials.password)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()
  const me = await page.context().request.get('/api/me')
  const { user } = (await me.json()) as { user: User }
  return { ...credentials, user, firstName, lastName, name: `${firstName} ${lastName}` }
}

/** "New conversation", a search, and a click on the one result with that name. */
export async function startConversation(page: Page, query: string, name: string): Promise<void> {
  await page.getByRole('button', { name: 'New conversation' }).click()
  await page.getByRole('searchbox', { name: 'Find people' }).fill(query)
  await page
    .getByRole('list', { name: 'People found' })
    .getByRole('link', { name: new RegExp(name) })
    .click()
  await page.waitForURL((url) => url.pathname.startsWith('/c/'))
  await conversationReady(page, name)
}

/** The open conversation shows `name` and its socket is connected (no status banner). */
export async function conversationReady(page: Page, name: string): Promise<void> {
  await page.getByRole('heading', { level: 2, name }).waitFor()
  await page.locator('.log-start').filter({ hasNotText: 'Loading' }).waitFor()
  await page.locator('.connection').waitFor({ state: 'detached' })
}

export function composer(page: Page) {
  return page.getByRole('textbox', { name: /^Message / })
}

/** Types and presses Enter, like a person; resolves once the message is in the log. */
export async function sendMessage(page: Page, body: string): Promise<void> {
  await composer(page).fill(body)
  await composer(page).press('Enter')
  await messageRow(page, body).waitFor()
}

export function messageRow(page: Page, body: string) {
  return page.locator('.log .msg').filter({ has: page.locator('.msg-body', { hasText: body }) })
}

export interface LoggedMessage {
  seq: number | null
  body: string
  mine: boolean
  status: string | null
}

/** The log as rendered, top to bottom. */
export function loggedMessages(page: Page): Promise<LoggedMessage[]> {
  return page.locator('.log .msg').evaluateAll((rows) =>
    rows.map((row) => {
      const el = row as HTMLElement
      return {
        seq: el.dataset.seq ? Number(el.dataset.seq) : null,
        body: el.querySelector('.msg-body')?.textContent ?? '',
        mine: el.classList.contains('msg-mine'),
        status: el.querySelector<HTMLElement>('.msg-status')?.dataset.status ?? null,
      }
    }),
  )
}

/** The delivery state shown on one of my messages: queued, sending, sent, read or failed. */
export function deliveryState(page: Page, body: string): Promise<string | null> {
  return messageRow(page, body).locator('.msg-status').getAttribute('data-status')
}
