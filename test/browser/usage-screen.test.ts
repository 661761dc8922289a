// The admin Usage screen in Chromium: this month's meters as counted by the objects and the
// Worker (after their batched flushes), the estimated bill, the prices' date and sources,
// at 360 and 1280 px, light and dark, with no serious axe violations.
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import type { AdminUsage } from '../../protocol/admin-usage.ts'
import { PRICES_AS_OF } from '../../protocol/workers-paid-prices.ts'
import { type Credentials, createAccount, signInWithForm } from './helpers/accounts.ts'
import {
  describeViolations,
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
let superuser: Credentials

beforeAll(async () => {
  superuser = await createSuperuser(baseUrl, persistTo)
})

async function usageOf(staff: Person): Promise<AdminUsage> {
  const res = await staff.context.request.get('/api/admin/usage')
  expect(res.status()).toBe(200)
  return (await res.json()) as AdminUsage
}

const meterRow = (page: Page, label: string) =>
  page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${label}`) }) })

describe('admin usage', () => {
  it('shows the WebSocket messages a room counted, the estimate and where the prices are from', async () => {
    const staff = await person({ viewport: { width: 1280, height: 800 } })
    await signInWithForm(staff.page, superuser)
    const before = (await usageOf(staff)).sources['chat-room'].webSocketMessages
    const alice = await createAccount(baseUrl, { firstName: 'Alice' })
    const bob = await createAccount(baseUrl, { firstName: 'Bob' })
    const chat = await openNodeChat(baseUrl, await sessionCookie(baseUrl, alice), bob.user.id)
    for (let i = 0; i < 20; i++) await chat.send(`usage ${i}`)
    chat.close()
    // The room's counts reach D1 within its flush interval (about 8 s).
    await expect
      .poll(async () => (await usageOf(staff)).sources['chat-room'].webSocketMessages, {
        timeout: 30_000,
        interval: 500,
      })
      .toBeGreaterThanOrEqual(before + 20)

    const { page } = staff
    await page.goto('/admin/users')
    await page.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: 'Usage' }).click()
    await page.getByRole('heading', { level: 1, name: 'Usage' }).waitFor()
    const table = page.getByRole('table', { name: /Billed amounts this month/ })
    await table.waitFor()
    // What the table shows is what the route answered when the screen loaded.
    const usage = await usageOf(staff)
    for (const header of ['Meter', 'This month', 'Included', 'Estimated']) {
      await table.getByRole('columnheader', { name: header }).waitFor()
    }
    const requests = usage.meters.find((m) => m.id === 'durableObjects.requests')!
    const row = meterRow(page, 'Durable Object requests')
    const shown = Number(((await row.getByRole('cell').first().textContent()) ?? '').replaceAll(',', ''))
    // A room may flush again between the two reads: the screen's number is at most the later one.
    expect(shown).toBeGreaterThan(0)
    expect(shown).toBeLessThanOrEqual(requests.amount)
    await expect.poll(() => row.getByRole('cell').nth(1).textContent()).toBe('1,000,000')
    await expect.poll(() => meterRow(page, 'Workers Paid base').getByRole('cell').last().textContent()).toBe('$5.00')
    await meterRow(page, 'Estimated bill').waitFor()
    await page.getByText(`Prices as of ${PRICES_AS_OF}`).first().waitFor()
    const link = page.getByRole('link', { name: 'Durable Objects', exact: true })
    expect(await link.getAttribute('href')).toBe(usage.priceSources.durableObjects)
    await page.getByText(/a Worker instance stopped before it sends loses its last 30 seconds/).waitFor()
    await screenshotWidths(page, 'admin-usage')
  }, 90_000)

  it('fits 360 px without scrolling sideways and has no serious axe violations, light and dark', async () => {
    const found: string[] = []
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const width of [360, 1280]) {
        const staff = await person({ colorScheme, viewport: { width, height: 800 } })
        await signInWithForm(staff.page, superuser)
        const { page } = staff
        await page.goto('/admin/usage')
        await page.getByRole('table', { name: /Billed amounts this month/ }).waitFor()
        const overflow = await page.evaluate((w) => document.documentElement.scrollWidth - w, width)
        expect(overflow, `${width} px (${colorScheme}) scrolls sideways`).toBeLessThanOrEqual(0)
        const violations = await seriousA11yViolations(page)
        if (violations.length > 0) found.push(`${width} px (${colorScheme}):\n${describeViolations(violations)}`)
      }
    }
    expect(found, found.join('\n\n')).toEqual([])
  }, 120_000)
})
