// The admin panel in Chromium: staff-only access, finding and (de)activating a user while
// their tab is open, stored messages as ciphertext, activity, the audit log, phones, axe.
import { randomUUID } from 'node:crypto'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import type { ProblemBody } from '../../protocol/api.ts'
import { type Credentials, createAccount, signInWithForm, signUpInContext } from './helpers/accounts.ts'
import {
  describeViolations,
  type newPerson,
  type Person,
  screenshotWidths,
  seriousA11yViolations,
  usePeople,
} from './helpers/browser.ts'
import { openNodeChat, sessionCookie } from './helpers/node-chat.ts'
import { createSuperuser } from './helpers/staff.ts'

const baseUrl = inject('baseUrl')
const persistTo = inject('persistTo')
const { person } = usePeople(baseUrl)

// One superuser for the whole file: createsuperuser runs wrangler, which takes seconds.
let superuser: Credentials

/** The superuser, signed in through the form in a browser of their own. */
async function staffPerson(options?: Parameters<typeof newPerson>[2]): Promise<Person & { account: Credentials }> {
  const p = await person(options)
  await signInWithForm(p.page, superuser)
  return { ...p, account: superuser }
}

const adminNav = (page: Page) => page.getByRole('navigation', { name: 'Admin sections' })

/** A conversation between two new people holding `count` messages, sent over the real socket. */
async function conversationWith(count: number, secret = 'hello') {
  const alice = await createAccount(baseUrl, { firstName: 'Alice' })
  const bob = await createAccount(baseUrl, { firstName: 'Bob' })
  const chat = await openNodeChat(baseUrl, await sessionCookie(baseUrl, alice), bob.user.id)
  for (let i = 0; i < count; i++) await chat.send(i === 0 ? secret : `message ${i + 1}`)
  return { alice, bob, chat }
}

/** Waits until the admin list shows the room of `memberId` with `count` messages (counters are batched). */
async function roomCounted(staff: Person, memberId: string, count: number): Promise<void> {
  await expect
    .poll(
      async () => {
        const res = await staff.context.request.get('/api/admin/conversations')
        const body = (await res.json()) as { conversations: { members: string[]; messageCount: number }[] }
        return body.conversations.find((c) => c.members.includes(memberId))?.messageCount ?? 0
      },
      { timeout: 20_000, interval: 500 },
    )
    .toBe(count)
}

beforeAll(async () => {
  superuser = await createSuperuser(baseUrl, persistTo)
})

describe('who may enter', () => {
  it('shows a member no Admin link and a not-allowed page at /admin', async () => {
    const { context, page } = await person()
    await signUpInContext(context)
    await page.goto('/')
    await page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()
    expect(await page.getByRole('link', { name: 'Admin', exact: true }).count()).toBe(0)

    await page.goto('/admin/users')
    await page.getByRole('heading', { level: 1, name: 'Not allowed' }).waitFor()
    expect(await adminNav(page).count()).toBe(0)
  })

  it('gives staff an Admin link that opens the users page', async () => {
    const { page } = await staffPerson()
    await page.getByRole('link', { name: 'Admin', exact: true }).click()
    await page.waitForURL(`${baseUrl}/admin/users`)
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor()
    await page.locator('.admin-table tbody tr').first().waitFor()
  })
})

describe('managing users', () => {
  it('lets staff find a user, deactivate them, which signs out their open tab, reactivate them and see both in the audit log', async () => {
    const staff = await staffPerson()
    const word = `Quill${randomUUID().slice(0, 6)}`
    const target = await createAccount(baseUrl, { firstName: 'Tessa', lastName: word })
    const member = await person()
    await signInWithForm(member.page, target)
    await member.page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()

    const { page } = staff
    await page.getByRole('link', { name: 'Admin', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor()
    await page.getByLabel('Search users').fill(`tessa ${word.toLowerCase()}`)
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await page.getByRole('status').filter({ hasText: '1 user matches' }).waitFor()
    await page.getByRole('link', { name: target.email, exact: true }).click()
    await page.getByRole('heading', { level: 1, name: target.email }).waitFor()

    const active = page.getByRole('checkbox', { name: 'Active', exact: true })
    expect(await active.isChecked()).toBe(true)
    await active.uncheck()
    await page.getByRole('button', { name: 'Save changes' }).click()
    const dialog = page.getByRole('dialog', { name: `Deactivate ${target.email}?` })
    await dialog.getByRole('button', { name: 'Deactivate', exact: true }).click()
    await page
      .getByRole('status')
      .filter({ hasText: `${target.email} is deactivated` })
      .waitFor()
    await page.locator('.facts .pill').filter({ hasText: 'Deactivated' }).waitFor()

    // Their tab, open all along in another browser, is signed out without doing anything.
    await member.page.waitForURL((url) => url.pathname === '/signin', { timeout: 15_000 })
    await member.page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
    await member.page.getByRole('status').filter({ hasText: 'Your session ended' }).waitFor()
    // Their right password tells them why, in place of the stale banner; a wrong one never does.
    await member.page.getByLabel('Email', { exact: true }).fill(target.email)
    await member.page.getByLabel('Password', { exact: true }).fill(`${target.password}-wrong`)
    await member.page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await member.page.getByText('The email or password is not correct.').waitFor()
    expect(await member.page.getByText('Your session ended').count()).toBe(0)
    await member.page.getByLabel('Password', { exact: true }).fill(target.password)
    await member.page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await member.page.getByText('This account is deactivated.').waitFor()
    expect(await member.page.getByText('not correct').count()).toBe(0)

    await active.check()
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page
      .getByRole('status')
      .filter({ hasText: `${target.email} is active and can sign in again` })
      .waitFor()
    // A new, unsaved change does not sit under the last save's "Saved.".
    await page.getByLabel('First name').fill('Tess')
    expect(await page.getByRole('status').filter({ hasText: 'Saved.' }).count()).toBe(0)
    await page.getByLabel('First name').fill('Tessa')
    await signInWithForm(member.page, target)
    await member.page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()

    await adminNav(page).getByRole('link', { name: 'Audit log' }).click()
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor()
    await page.getByLabel('Target').fill(target.email)
    await page.getByRole('button', { name: 'Filter', exact: true }).click()
    await page.waitForURL((url) => url.searchParams.get('targetId') === target.user.id)
    const rows = page.locator('.audit-row')
    await expect.poll(() => rows.count()).toBe(2)
    // Newest first, each naming who did it and to whom, by email.
    for (const [i, action] of ['Reactivated', 'Deactivated'].entries()) {
      const row = rows.nth(i)
      expect(await row.locator('.audit-action').textContent()).toBe(action)
      await row.getByRole('link', { name: staff.account.email, exact: true }).waitFor()
      await row.getByRole('link', { name: target.email, exact: true }).waitFor()
    }
    expect(await rows.nth(1).textContent()).toContain('Deactivated the account')
  })

  it('shows a rename in the audit log in words, with the old and new names', async () => {
    const { page } = await staffPerson()
    const target = await createAccount(baseUrl, { firstName: 'Ann', lastName: 'Lee' })
    await page.goto(`/admin/users/${target.user.id}`)
    await page.getByRole('heading', { level: 1, name: target.email }).waitFor()
    await page.getByLabel('First name').fill('Anna')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor()

    await page.goto(`/admin/audit?targetId=${encodeURIComponent(target.user.id)}`)
    const row = page.locator('.audit-row').first()
    await row.locator('.audit-action').filter({ hasText: 'Renamed' }).waitFor()
    expect(await row.locator('.change-list li').allTextContents()).toEqual(['Changed first name from Ann to Anna'])
    expect(await row.textContent()).not.toContain('gAAAAA')
  })

  it('shows a problem’s field errors under the fields they concern', async () => {
    const { page } = await staffPerson()
    const target = await createAccount(baseUrl, { firstName: 'Uma' })
    const problem: ProblemBody = {
      type: '/problems/invalid',
      title: 'Invalid input',
      status: 400,
      detail: 'Some fields need another look.',
      errors: { lastName: 'A name has at most 100 characters.', isStaff: 'Only a superuser can change this.' },
    }
    // The client checks names as the server does, so a refusal is staged to see it displayed.
    await page.route('**/api/admin/users/*', (route) =>
      route.request().method() === 'PATCH'
        ? route.fulfill({ status: 400, contentType: 'application/problem+json', body: JSON.stringify(problem) })
        : route.continue(),
    )
    await page.goto(`/admin/users/${target.user.id}`)
    await page.getByRole('heading', { level: 1, name: target.email }).waitFor()
    const lastName = page.getByLabel('Last name')
    await lastName.fill('Ullman')
    await page.getByRole('button', { name: 'Save changes' }).click()

    await page.getByRole('alert').filter({ hasText: problem.detail }).waitFor()
    await expect.poll(() => lastName.getAttribute('aria-invalid')).toBe('true')
    const describedBy = (await lastName.getAttribute('aria-describedby')) ?? ''
    const messages = await Promise.all(describedBy.split(' ').map((id) => page.locator(`#${id}`).textContent()))
    expect(messages).toContain(problem.errors?.lastName)
    const staffSwitch = page.getByRole('checkbox', { name: 'Staff', exact: true })
    expect(await staffSwitch.getAttribute('aria-invalid')).toBe('true')
    // The first field in error takes focus, so a keyboard user lands on it.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('lastName')
  })

  it('lets a keyboard user switch a user off and back out of the confirmation with Escape', async () => {
    const { page, context } = await staffPerson()
    const target = await createAccount(baseUrl)
    await page.goto(`/admin/users/${target.user.id}`)
    await page.getByRole('heading', { level: 1, name: target.email }).waitFor()
    const active = page.getByRole('checkbox', { name: 'Active', exact: true })
    await active.focus()
    await page.keyboard.press('Space')
    expect(await active.isChecked()).toBe(false)
    // Enter in a text field submits the form.
    await page.getByLabel('First name').focus()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog', { name: `Deactivate ${target.email}?` })
    await dialog.waitFor()
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })

    const res = await context.request.get(`/api/admin/users/${target.user.id}`)
    expect(((await res.json()) as { user: { isActive: boolean } }).user.isActive).toBe(true)
  })
})

describe('conversations', () => {
  it('opens a room’s stored messages only as ciphertext, after saying it is audited, and tells the members', async () => {
    const secret = `meet at the harbour ${randomUUID().slice(0, 6)}`
    const { alice, bob, chat } = await conversationWith(2, secret)
    const staff = await staffPerson()
    const { page } = staff
    await roomCounted(staff, alice.user.id, 2)

    await page.getByRole('link', { name: 'Admin', exact: true }).click()
    await adminNav(page).getByRole('link', { name: 'Conversations' }).click()
    const row = page.locator('.admin-table tbody tr').filter({ hasText: alice.email })
    await row.getByRole('link', { name: bob.email, exact: true }).waitFor()
    expect(await row.locator('.number').textContent()).toBe('2')
    await row.getByRole('link', { name: /^View room/ }).click()

    await page.getByRole('heading', { level: 1, name: 'Conversation' }).waitFor()
    await page.getByText('Opening stored messages is recorded in the audit log').waitFor()
    await page.locator('.facts').getByRole('link', { name: bob.email, exact: true }).waitFor()
    await page.getByRole('button', { name: 'Open stored messages' }).click()
    const tokens = page.locator('.ciphertext')
    await expect.poll(() => tokens.count()).toBe(2)
    for (const token of await tokens.allTextContents()) expect(token).toMatch(/^gAAAAA[A-Za-z0-9_-]+=*$/)
    expect(await page.locator('body').textContent()).not.toContain(secret)
    await screenshotWidths(page, 'admin-conversation')

    // The members hear of it in their conversation.
    const notice = await chat.frame((f) => f.type === 'notice')
    expect(notice).toMatchObject({ type: 'notice', notice: { kind: 'admin-viewed' } })
    chat.close()

    await adminNav(page).getByRole('link', { name: 'Audit log' }).click()
    const newest = page.locator('.audit-row').first()
    await newest.locator('.audit-action').filter({ hasText: 'Viewed stored messages' }).waitFor()
    await newest.getByRole('link', { name: staff.account.email, exact: true }).waitFor()
  })
})

describe('activity', () => {
  it('draws messages per hour over a day and a week, with the numbers in tables for screen readers', async () => {
    const { chat } = await conversationWith(5)
    chat.close()
    const staff = await staffPerson()
    await expect
      .poll(
        async () => {
          const res = await staff.context.request.get('/api/admin/activity')
          const body = (await res.json()) as { messagesPerHour: { count: number }[] }
          return body.messagesPerHour.at(-1)?.count ?? 0
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBeGreaterThanOrEqual(5)

    const { page } = staff
    await page.goto('/admin/activity')
    for (const [title, hours] of [
      ['Messages per hour, last 24 hours', 24],
      ['Messages per hour, last 7 days', 168],
    ] as const) {
      const chart = page.getByRole('img', { name: title })
      await chart.waitFor()
      expect(await chart.locator('desc').textContent()).toMatch(/messages in total/)
      const table = page.getByRole('table', { name: title })
      expect(await table.locator('tbody tr').count()).toBe(hours)
    }
    expect(await page.locator('.chart-bar').count()).toBeGreaterThanOrEqual(2)
    // The retention policy (wrangler.toml's RETENTION_DAYS = "0").
    await page.getByText('Retention: messages are kept forever (RETENTION_DAYS is 0).').waitFor()
    const paths = await screenshotWidths(page, 'admin-activity')
    expect(paths).toHaveLength(2)
  })
})

describe('look and accessibility', () => {
  it('fits a phone: no admin page scrolls sideways, wide tables scroll in their own region', async () => {
    const { alice, chat } = await conversationWith(1)
    chat.close()
    const staff = await staffPerson({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
    const { page } = staff
    await roomCounted(staff, alice.user.id, 1)
    const pages = [
      ['/admin/users', 'Users'],
      [`/admin/users/${alice.user.id}`, alice.email],
      ['/admin/conversations', 'Conversations'],
      ['/admin/activity', 'Activity'],
      ['/admin/audit', 'Audit log'],
    ] as const
    for (const [path, heading] of pages) {
      await page.goto(path)
      await page.getByRole('heading', { level: 1, name: heading }).waitFor()
      await page.locator('.loaded').first().waitFor()
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - 390)
      expect(overflow, `${path} is wider than the screen`).toBeLessThanOrEqual(0)
    }
    await page.goto('/admin/users')
    await page.locator('.admin-table tbody tr').first().waitFor()
    await screenshotWidths(page, 'admin-users')
    await page.goto('/admin/audit')
    await page.locator('.audit-row').first().waitFor()
    await screenshotWidths(page, 'admin-audit')

    // The audit table is wider than a phone: its region scrolls by keyboard, and the first
    // column (when) stays in view while it does.
    const region = page.getByRole('region', { name: 'Audit log' })
    const when = page.locator('.audit-row th').first()
    expect(await region.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true)
    await region.focus()
    await page.keyboard.press('ArrowRight')
    await expect.poll(() => region.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0)
    const [regionBox, whenBox] = await Promise.all([region.boundingBox(), when.boundingBox()])
    expect(Math.abs((whenBox?.x ?? 0) - (regionBox?.x ?? 0))).toBeLessThanOrEqual(2)
    await page.goto(`/admin/users/${alice.user.id}`)
    await page.getByRole('heading', { level: 1, name: alice.email }).waitFor()
    await screenshotWidths(page, 'admin-user')
    await page.goto('/admin/conversations')
    await page.locator('.admin-table').getByRole('link', { name: alice.email, exact: true }).waitFor()
    await screenshotWidths(page, 'admin-conversations')
  }, 120_000)

  it('has no serious or critical axe violations on the admin pages, light and dark', async () => {
    const { alice, bob, chat } = await conversationWith(2)
    chat.close()
    const found: string[] = []
    for (const colorScheme of ['light', 'dark'] as const) {
      const staff = await staffPerson({ colorScheme })
      const { page } = staff
      const check = async (name: string) => {
        const violations = await seriousA11yViolations(page)
        if (violations.length > 0) found.push(`${name} (${colorScheme}):\n${describeViolations(violations)}`)
      }
      await page.goto('/admin/users')
      await page.locator('.admin-table tbody tr').first().waitFor()
      await check('users')

      await page.goto(`/admin/users/${bob.user.id}`)
      await page.getByRole('heading', { level: 1, name: bob.email }).waitFor()
      await check('user')
      await page.getByRole('checkbox', { name: 'Active', exact: true }).uncheck()
      await page.getByRole('button', { name: 'Save changes' }).click()
      await page.getByRole('dialog').waitFor()
      await check('deactivate dialog')
      await page.getByRole('button', { name: 'Cancel' }).click()

      await roomCounted(staff, alice.user.id, 2)
      await page.goto('/admin/conversations')
      const row = page.locator('.admin-table tbody tr').filter({ hasText: alice.email })
      await row.getByRole('link', { name: bob.email, exact: true }).waitFor()
      await check('conversations')
      await row.getByRole('link', { name: /^View room/ }).click()
      await page.getByRole('button', { name: 'Open stored messages' }).click()
      await page.locator('.ciphertext').first().waitFor()
      await check('stored messages')

      await page.goto('/admin/activity')
      await page.getByRole('img', { name: 'Messages per hour, last 7 days' }).waitFor()
      await check('activity')

      await page.goto('/admin/audit')
      await page.locator('.audit-row').first().waitFor()
      await check('audit log')
    }
    const member = await person()
    await signUpInContext(member.context)
    await member.page.goto('/admin')
    await member.page.getByRole('heading', { level: 1, name: 'Not allowed' }).waitFor()
    const violations = await seriousA11yViolations(member.page)
    if (violations.length > 0) found.push(`not allowed:\n${describeViolations(violations)}`)
    expect(found, found.join('\n\n')).toEqual([])
  }, 180_000)
})
