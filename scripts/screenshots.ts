// `npm run screenshots`: the README's pictures of Parley, taken from a real `wrangler dev` on
// fresh local state in Debian's Chromium, at a phone and a desktop width, light and dark.
// Writes docs/screenshots/<screen>-<theme>-<width>.png. Rerun it after a visible change. The text
// has no emoji: Debian's Chromium has no colour emoji font unless fonts-noto-color-emoji is installed.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { createSuperuser } from '../test/browser/helpers/staff.ts'
import { ROOT, type ScratchServer, startScratchServer } from './lib/dev-server.ts'
import { findBrowser } from './lib/test-prereqs.ts'

const OUT = join(ROOT, 'docs', 'screenshots')
const PHONE = { width: 390, height: 844 }
const DESKTOP = { width: 1280, height: 800 }
const THEMES = ['light', 'dark'] as const

interface Account {
  email: string
  password: string
  id: string
}

/** Registers from Node and signs out again, so the browser signs in as a person would. */
async function register(baseUrl: string, firstName: string, lastName: string): Promise<Account> {
  const email = `${firstName.toLowerCase()}.${lastName.toLowerCase()}@example.org`
  const password = `screenshot-${firstName.toLowerCase()}-harbour-lantern`
  const res = await fetch(`${baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, firstName, lastName }),
  })
  if (res.status !== 201) throw new Error(`register answered ${res.status}: ${await res.text()}`)
  const { user } = (await res.json()) as { user: { id: string } }
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  await fetch(`${baseUrl}/api/auth/logout`, { method: 'POST', headers: { cookie } })
  return { email, password, id: user.id }
}

async function signedIn(browser: Browser, baseUrl: string, who: Account): Promise<Page> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: DESKTOP })
  const page = await context.newPage()
  await page.goto('/signin')
  await page.getByLabel('Email', { exact: true }).fill(who.email)
  await page.getByLabel('Password', { exact: true }).fill(who.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await page.waitForURL((url) => !url.pathname.startsWith('/signin'))
  return page
}

async function openChat(page: Page, peer: Account): Promise<void> {
  await page.goto(`/c/${peer.id}`)
  await page.locator('.log-start').filter({ hasNotText: 'Loading' }).waitFor()
  await page.locator('.connection').waitFor({ state: 'detached' })
}

async function say(page: Page, body: string): Promise<void> {
  const box = page.getByRole('textbox', { name: /^Message / })
  await box.fill(body)
  await box.press('Enter')
  await page
    .locator('.log .msg')
    .filter({ has: page.locator('.msg-body', { hasText: body }) })
    .last()
    .waitFor()
}

/** Both themes at both widths (or the ones given) of whatever `page` shows now. */
async function shoot(page: Page, screen: string, sizes = [PHONE, DESKTOP]): Promise<void> {
  for (const theme of THEMES) {
    await page.emulateMedia({ colorScheme: theme, reducedMotion: 'reduce' })
    for (const size of sizes) {
      await page.setViewportSize(size)
      // Layout settles (the log keeps its end in view) before the picture.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
      const path = join(OUT, `${screen}-${theme}-${size.width}.png`)
      await page.screenshot({ path, animations: 'disabled' })
      console.log(`[screenshots] ${path.slice(ROOT.length + 1)}`)
    }
  }
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true })
  let server: ScratchServer | undefined
  let browser: Browser | undefined
  try {
    server = await startScratchServer('parley-screenshots-')
    const base = server.url
    browser = await chromium.launch({ executablePath: findBrowser(), args: ['--no-sandbox', '--disable-gpu'] })

    const signIn = await (await browser.newContext({ baseURL: base, viewport: DESKTOP })).newPage()
    await signIn.goto('/signin')
    await signIn.getByRole('button', { name: 'Sign in', exact: true }).waitFor()
    await shoot(signIn, 'sign-in')

    const ada = await register(base, 'Ada', 'Lovelace')
    const grace = await register(base, 'Grace', 'Hopper')
    const alan = await register(base, 'Alan', 'Turing')
    const staff = await createSuperuser(base, server.persistTo, { firstName: 'Margaret', lastName: 'Hamilton' })

    const adaPage = await signedIn(browser, base, ada)
    const gracePage = await signedIn(browser, base, grace)
    const alanPage = await signedIn(browser, base, alan)
    await openChat(alanPage, ada)
    await say(alanPage, 'Ada, did the engine notes arrive? Happy to go through them on Friday.')
    await openChat(adaPage, grace)
    await openChat(gracePage, ada)
    const lines: [Page, string][] = [
      [adaPage, 'Morning Grace! Are we still on for the compiler review at 10?'],
      [gracePage, 'Yes, 10 works. I found the bug from yesterday, by the way.'],
      [adaPage, 'Tell me it was a moth in the relay again'],
      [gracePage, 'Close: an off-by-one in the loop counter. Fix is on the branch.'],
      [adaPage, 'Brilliant. I will bring the notes on the analytical engine.'],
      [gracePage, 'Perfect, see you then.'],
      [adaPage, 'Coffee is on me.'],
    ]
    for (const [page, body] of lines) await say(page, body)
    await shoot(adaPage, 'conversation')

    await adaPage.goto('/')
    await adaPage.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()
    await shoot(adaPage, 'chats', [PHONE])

    await adaPage.goto('/settings')
    await adaPage.getByRole('heading', { level: 1 }).first().waitFor()
    await shoot(adaPage, 'settings', [DESKTOP])

    const staffPage = await signedIn(browser, base, { ...staff, id: staff.user.id })
    // An entry with names in it, as staff read them: "Changed first name from Alan to Alan M.".
    const rename = await staffPage.request.patch(`/api/admin/users/${alan.id}`, { data: { firstName: 'Alan M.' } })
    if (!rename.ok()) throw new Error(`rename answered ${rename.status()}`)
    await staffPage.goto('/admin/audit')
    await staffPage.locator('table').first().waitFor()
    await shoot(staffPage, 'admin-audit', [DESKTOP])
  } finally {
    await browser?.close()
    await server?.stop()
  }
}

await main()
