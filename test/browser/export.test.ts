// Settings → Your data → "Download my data": the browser saves a JSON file holding the
// person's conversations and messages; a refusal is said in words.
import { readFile } from 'node:fs/promises'
import { describe, expect, inject, it } from 'vitest'
import type { Message, Peer } from '../../protocol/api.ts'
import { createAccount, signUpInContext } from './helpers/accounts.ts'
import { describeViolations, screenshotWidths, seriousA11yViolations, usePeople } from './helpers/browser.ts'
import { openNodeChat, sessionCookie } from './helpers/node-chat.ts'

const baseUrl = inject('baseUrl')
const { person } = usePeople(baseUrl)

describe('downloading my data', () => {
  it('saves a file whose JSON holds the conversation and its messages, after showing progress', async () => {
    const { context, page } = await person()
    const ann = await signUpInContext(context)
    const bob = await createAccount(baseUrl, { firstName: 'Bob', lastName: 'Exporter' })
    const chat = await openNodeChat(baseUrl, await sessionCookie(baseUrl, bob), ann.user.id)
    const bodies = ['first of three', 'second: "quoted" text', 'third, with émoji 🎉']
    for (const body of bodies) await chat.send(body)
    chat.close()
    // The conversation is listed once Ann's inbox has heard of it from the room.
    await expect
      .poll(async () => {
        const res = await context.request.get('/api/conversations')
        const { conversations } = (await res.json()) as { conversations: { lastMessage: Message | null }[] }
        return conversations[0]?.lastMessage?.body
      })
      .toBe(bodies[2])

    await page.goto('/settings')
    await page.getByRole('heading', { name: 'Your data' }).waitFor()
    // Whatever appears while it is prepared, however briefly: the progress as screen readers get it.
    await page.evaluate(() => {
      const seen: string[] = []
      ;(window as unknown as { progressSeen: string[] }).progressSeen = seen
      new MutationObserver(() => {
        const bar = document.querySelector('[role="progressbar"][aria-label="Preparing your data"]')
        const text = bar?.getAttribute('aria-valuetext')
        if (text && seen.at(-1) !== text) seen.push(text)
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true })
    })
    const download = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Download my data' }).click()
    const file = await download
    expect(file.suggestedFilename()).toMatch(/^parley-export-\d{4}-\d{2}-\d{2}\.json$/)
    const doc = JSON.parse(await readFile((await file.path())!, 'utf8')) as {
      user: { id: string; email: string }
      conversations: { peer: Peer; messages: Message[] }[]
    }
    expect(doc.user).toMatchObject({ id: ann.user.id, email: ann.email })
    expect(doc.conversations).toHaveLength(1)
    expect(doc.conversations[0]!.peer).toMatchObject({ id: bob.user.id, firstName: 'Bob', lastName: 'Exporter' })
    expect(doc.conversations[0]!.messages.map((m) => [m.seq, m.body])).toEqual(bodies.map((b, i) => [i + 1, b]))
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Your data is downloaded' }).textContent())
      .toMatch(/parley-export-.*\.json: 3 messages/)
    expect(await page.getByRole('button', { name: 'Download my data' }).isVisible()).toBe(true)
    const progress = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen)
    expect(progress[0]).toMatch(/^0 messages received so far \(0 KB\)$/)
    expect(progress.at(-1)).toMatch(/^3 messages received so far \(\d+ KB\)$/)
    await screenshotWidths(page, 'settings-your-data')

    const violations = await seriousA11yViolations(page)
    expect(violations, describeViolations(violations)).toEqual([])
    // The section fits a 360 px screen without sideways scrolling.
    await page.setViewportSize({ width: 360, height: 740 })
    await page.getByRole('button', { name: 'Download my data' }).scrollIntoViewIfNeeded()
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
  })

  it("shows the server's message when the hour's downloads are used up", async () => {
    const { context, page } = await person()
    await signUpInContext(context)
    // A few exports an hour (EXPORTS_PER_HOUR, 5 by default): use them up from the same session.
    let status = 200
    for (let i = 0; i < 20 && status === 200; i++) status = (await context.request.get('/api/me/export')).status()
    expect(status).toBe(429)
    await page.goto('/settings')
    await page.getByRole('button', { name: 'Download my data' }).click()
    await page.getByRole('alert').filter({ hasText: 'times an hour' }).waitFor()
    expect(await page.getByRole('alert').textContent()).toMatch(/You can download your data \d+ times an hour/)
  })
})
