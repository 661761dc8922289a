// The admin Keys screen in Chromium, on a wrangler dev instance of its own that stored its
// data under key A and now runs with "B,A": each key's fingerprint and token count, the
// button only a superuser may press (staff see why not), a progress bar while it runs
// (slowed by KEY_ROTATION_PAUSE_MS), and, when done, that the older key can be removed.
import { createHash } from 'node:crypto'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyLocalMigrations, fernetKey } from '../../scripts/lib/dev-server.ts'
import { createAccount, signInWithForm } from './helpers/accounts.ts'
import {
  describeViolations,
  launchBrowser,
  newPerson,
  screenshotWidths,
  seriousA11yViolations,
} from './helpers/browser.ts'
import { openNodeChat, sessionCookie } from './helpers/node-chat.ts'
import { ownServer } from './helpers/own-server.ts'
import { createSuperuser } from './helpers/staff.ts'

const fingerprint = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 8)

const server = ownServer('parley-keys-screen-')
const { persistTo, start } = server
const A = fernetKey()
const B = fernetKey()
let browser: Browser | undefined

let url = ''
let superuser: Awaited<ReturnType<typeof createSuperuser>>
let staff: Awaited<ReturnType<typeof createAccount>>

beforeAll(async () => {
  applyLocalMigrations(persistTo)
  url = await start(A)
  superuser = await createSuperuser(url, persistTo)
  const [ann, bob] = await Promise.all([
    createAccount(url, { firstName: 'Ann', lastName: 'Older' }),
    createAccount(url, { firstName: 'Bob', lastName: 'Older' }),
  ])
  staff = await createAccount(url, { firstName: 'Stan' })
  const suCookie = await sessionCookie(url, superuser)
  const promoted = await fetch(`${url}/api/admin/users/${staff.user.id}`, {
    method: 'PATCH',
    headers: { cookie: suCookie, 'content-type': 'application/json' },
    body: JSON.stringify({ isStaff: true }),
  })
  expect(promoted.status).toBe(200)
  const chat = await openNodeChat(url, await sessionCookie(url, ann), bob.user.id)
  for (let i = 1; i <= 3; i++) await chat.send(`before the rotation ${i}`)
  chat.close()
  // Slow steps, so the bar has time to be seen between 0 and done.
  url = await start(`${B},${A}`, { KEY_ROTATION_PAUSE_MS: '700' })
  browser = await launchBrowser()
}, 240_000)

afterAll(async () => {
  await browser?.close()
  await server.dispose()
})

describe('the Keys screen', () => {
  it('shows staff the keys and why they cannot re-encrypt', async () => {
    const p = await newPerson(browser!, url)
    await signInWithForm(p.page, staff)
    await p.page.goto('/admin')
    await p.page.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: 'Keys' }).click()
    await expect.poll(() => p.page.getByRole('heading', { name: 'Keys', level: 1 }).isVisible()).toBe(true)
    const rows = p.page.getByRole('table', { name: /Keys, the primary first/ }).getByRole('row')
    await expect.poll(() => rows.count()).toBe(3)
    await expect.poll(() => rows.nth(1).textContent()).toContain(fingerprint(B))
    await expect.poll(() => rows.nth(1).textContent()).toContain('Primary')
    await expect.poll(() => rows.nth(2).textContent()).toContain(fingerprint(A))
    const button = p.page.getByRole('button', { name: 'Re-encrypt with the primary key' })
    expect(await button.isDisabled()).toBe(true)
    expect(await button.getAttribute('aria-describedby')).toBe('reencrypt-why')
    await expect.poll(() => p.page.getByText('Only a superuser can start re-encryption.').isVisible()).toBe(true)
    expect(p.problems).toEqual([])
    await p.context.close()
  })

  it('lets a superuser re-encrypt and follows the progress to done', async () => {
    const p = await newPerson(browser!, url)
    await signInWithForm(p.page, superuser)
    await p.page.goto('/admin/keys')
    const rows = p.page.getByRole('table', { name: /Keys, the primary first/ }).getByRole('row')
    const tokensOf = async (n: number) =>
      Number((await rows.nth(n).getByRole('cell').last().textContent())?.replace(/\D/g, ''))
    await expect.poll(() => rows.count()).toBe(3)
    // 2 people's names, 3 bodies, 2 list entries, 3 notifications: all sealed with A.
    await expect.poll(() => tokensOf(2), { timeout: 15_000 }).toBeGreaterThanOrEqual(10)
    expect(await tokensOf(1)).toBe(0)
    const before = await tokensOf(2)
    expect(await seriousA11yViolations(p.page).then(describeViolations)).toBe('')

    await p.page.getByRole('button', { name: 'Re-encrypt with the primary key' }).click()
    const bar = p.page.getByRole('progressbar', { name: 'Re-encryption progress' })
    await expect.poll(() => bar.isVisible(), { timeout: 10_000 }).toBe(true)
    const seen = new Set<number>()
    await expect
      .poll(
        async () => {
          const now = (await bar.isVisible()) ? Number(await bar.getAttribute('aria-valuenow')) : 100
          seen.add(now)
          return now
        },
        { timeout: 60_000, interval: 200 },
      )
      .toBe(100)
    // It moved through values between the start and the end.
    expect([...seen].some((v) => v > 0 && v < 100)).toBe(true)
    const removable = p.page.getByText(/can now be removed from\s+FERNET_KEYS/)
    await expect.poll(() => removable.isVisible(), { timeout: 30_000 }).toBe(true)
    expect(await removable.textContent()).toContain(fingerprint(A))
    expect(await tokensOf(2)).toBe(0)
    expect(await tokensOf(1)).toBe(before)
    await screenshotWidths(p.page, 'admin-keys-done')
    // A phone (360 px) needs no sideways scroll for the page itself.
    await p.page.setViewportSize({ width: 360, height: 740 })
    expect(await p.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    expect(await seriousA11yViolations(p.page).then(describeViolations)).toBe('')
    expect(p.problems).toEqual([])
    await p.context.close()
  })
})
