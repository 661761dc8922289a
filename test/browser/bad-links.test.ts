// A chat link that leads nowhere (issue 14): "No such conversation", with the way back and
// no header, avatar or composer pretending there is somebody there.
import { randomUUID } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import { describeViolations, seriousA11yViolations, usePeople } from './helpers/browser.ts'
import { signUpNamed, uniqueWord } from './helpers/chat.ts'

const baseUrl = inject('baseUrl')
const { person } = usePeople(baseUrl)

describe('a bad chat link', () => {
  it('shows "No such conversation" for an unknown id and for oneself, and leads back', async () => {
    const { context, page } = await person()
    const me = await signUpNamed(context, 'Ada', uniqueWord('Nowhere'))
    for (const id of [randomUUID(), me.user.id]) {
      await page.goto(`/c/${id}`)
      const pane = page.locator('.conversation')
      await pane.getByRole('heading', { name: 'No such conversation' }).waitFor()
      expect(await pane.locator('.avatar, .conv-header, textarea').count()).toBe(0)
      expect(await page.getByRole('heading', { level: 1 }).count()).toBeGreaterThan(0)
      const violations = await seriousA11yViolations(page)
      expect(violations, describeViolations(violations)).toEqual([])
    }
    await page.locator('.conversation').getByRole('link', { name: 'Back to your chats' }).click()
    await page.waitForURL(`${baseUrl}/`)
  })
})
