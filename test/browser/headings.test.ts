// One level-one heading on every screen (issue 14): signed out, signed in, with and without a
// conversation open, the admin screens and the pages for what is not there; each at a phone
// and a desktop width, light and dark, with axe's page-has-heading-one and its serious rules.
import type { Page } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import { signInWithForm } from './helpers/accounts.ts'
import { describeViolations, seriousA11yViolations, usePeople } from './helpers/browser.ts'
import { conversationReady, signUpNamed, uniqueWord } from './helpers/chat.ts'
import { openNodeChat, sessionCookie } from './helpers/node-chat.ts'
import { createSuperuser } from './helpers/staff.ts'

const baseUrl = inject('baseUrl')
const persistTo = inject('persistTo')
const { person } = usePeople(baseUrl)

const LOOKS = [
  { width: 360, height: 740, colorScheme: 'light' },
  { width: 360, height: 740, colorScheme: 'dark' },
  { width: 1280, height: 800, colorScheme: 'light' },
  { width: 1280, height: 800, colorScheme: 'dark' },
] as const

interface Screen {
  path: string
  /** What shows once the screen is really there (not its loading state). */
  ready: (page: Page) => Promise<void>
  /** The serious axe rules here are admin.test.ts's business: only the heading rules run. */
  headingsOnly?: true
}

const heading = (name: string | RegExp) => (page: Page) =>
  page.getByRole('heading', { level: 1, name }).filter({ visible: true }).first().waitFor()

/** axe's page-has-heading-one alone (a moderate rule, so not among the serious ones). */
async function headingOneRule(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (ctx: Document, opts: object) => Promise<{ violations: unknown[]; passes: unknown[] }> }
      }
    ).axe
    const result = await axe.run(document, { runOnly: ['page-has-heading-one'] })
    return result.violations.length > 0 ? 'violation' : result.passes.length > 0 ? 'pass' : 'inapplicable'
  })
}

/** axe's source in the page, for headingOneRule. */
async function withAxe(page: Page): Promise<void> {
  if (await page.evaluate(() => 'axe' in window)) return
  await seriousA11yViolations(page)
}

/**
 * At each width and colour scheme exactly one h1 is shown, and at each width axe's
 * page-has-heading-one passes; the serious rules run once a screen, on a phone in the dark (the other tests cover
 * the desktop in the light).
 */
async function checkScreens(page: Page, screens: Screen[]): Promise<void> {
  for (const screen of screens) {
    await page.goto(screen.path)
    await screen.ready(page)
    for (const look of LOOKS) {
      await page.setViewportSize({ width: look.width, height: look.height })
      await page.emulateMedia({ colorScheme: look.colorScheme })
      const where = `${screen.path} at ${look.width} px, ${look.colorScheme}`
      const h1s = await page.locator('h1').filter({ visible: true }).allTextContents()
      expect(h1s, where).toHaveLength(1)
      if (look.width === 360 && look.colorScheme === 'dark' && !screen.headingsOnly) {
        const violations = await seriousA11yViolations(page)
        expect(violations, `${where}\n${describeViolations(violations)}`).toEqual([])
      }
      // Colours do not move headings: the rule runs once a width.
      if (look.colorScheme === 'light') {
        await withAxe(page)
        expect(await headingOneRule(page), where).toBe('pass')
      }
    }
  }
}

describe('a level-one heading', () => {
  it('is on every signed-out screen', async () => {
    const visitor = await person()
    await checkScreens(visitor.page, [
      { path: '/signin', ready: heading('Sign in') },
      { path: '/register', ready: heading(/account/i) },
      { path: '/no-such-page', ready: heading('Page not found') },
    ])
  })

  it('is on every screen of a signed-in person, with or without a conversation open', async () => {
    const family = uniqueWord('Headings')
    const a = await person()
    const b = await person()
    const [ada, bob] = await Promise.all([signUpNamed(a.context, 'Ada', family), signUpNamed(b.context, 'Bob', family)])
    const chat = await openNodeChat(baseUrl, await sessionCookie(baseUrl, bob), ada.user.id)
    await chat.send('a heading, please')
    chat.close()
    await checkScreens(a.page, [
      { path: '/', ready: (page) => page.locator('.conv-item').first().waitFor() },
      { path: `/c/${bob.user.id}`, ready: (page) => conversationReady(page, bob.name) },
      {
        path: '/c/not-a-person',
        ready: (page) => page.getByRole('heading', { name: 'No such conversation' }).waitFor(),
      },
      { path: '/settings', ready: heading('Settings') },
      { path: '/admin/users', ready: heading('Not allowed') },
      { path: '/no-such-page', ready: heading('Page not found') },
    ])
  })

  it('is on every admin screen', { timeout: 90_000 }, async () => {
    const staff = await createSuperuser(baseUrl, persistTo)
    const p = await person()
    await signInWithForm(p.page, staff)
    await checkScreens(p.page, [
      {
        path: '/admin/users',
        ready: (page) => page.getByRole('link', { name: staff.email }).first().waitFor(),
        headingsOnly: true,
      },
      { path: `/admin/users/${staff.user.id}`, ready: heading(staff.email), headingsOnly: true },
      { path: '/admin/conversations', ready: heading('Conversations'), headingsOnly: true },
      { path: '/admin/conversations/no-such-room', ready: heading('Conversation') },
      { path: '/admin/activity', ready: heading('Activity'), headingsOnly: true },
      { path: '/admin/audit', ready: heading('Audit log'), headingsOnly: true },
      { path: '/admin/keys', ready: heading('Keys'), headingsOnly: true },
      { path: '/admin/usage', ready: heading('Usage'), headingsOnly: true },
      { path: '/admin/no-such-section', ready: heading('Page not found') },
    ])
  })
})
