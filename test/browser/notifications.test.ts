// Notifications in Chromium: the unread count in the title and on the Chats link, toasts for
// other conversations, and system notifications when the page is really hidden.
import type { Browser } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import type { ServerFrame } from '../../protocol/frames.ts'
import { createAccount, signInWithForm } from './helpers/accounts.ts'
import { launchBrowser, newPerson, type Person } from './helpers/browser.ts'
import { conversationReady, messageRow, signUpNamed, uniqueWord } from './helpers/chat.ts'
import { openNodeChat, sessionCookie } from './helpers/node-chat.ts'
import { recordedNotifications, recordNotifications } from './helpers/notifications.ts'
import { launchRealTabsBrowser, type RealTabsBrowser } from './helpers/real-tabs.ts'

const baseUrl = inject('baseUrl')
let browser: Browser
const people: Person[] = []
const realTabs: RealTabsBrowser[] = []

async function person(options?: Parameters<typeof newPerson>[2]): Promise<Person> {
  const p = await newPerson(browser, baseUrl, options)
  people.push(p)
  return p
}

/** Someone driven from Node: an account, signed in, with a chat socket to `peerId`. */
async function nodePerson(firstName: string, lastName: string, peerId: string) {
  const account = await createAccount(baseUrl, { firstName, lastName })
  const chat = await openNodeChat(baseUrl, await sessionCookie(baseUrl, account), peerId)
  return { ...account, chat, name: `${firstName} ${lastName}` }
}

/** The count a title starts with: "(2) Chats · Parley" → 2, no count → 0. */
const titleCount = (title: string) => Number(/^\((\d+)\) /.exec(title)?.[1] ?? 0)

beforeAll(async () => {
  browser = await launchBrowser()
})

afterEach(() => {
  const problems = [...people, ...realTabs].flatMap((p) => p.problems.splice(0))
  expect(problems, problems.join('\n')).toEqual([])
})

afterAll(async () => {
  for (const p of people) await p.context.close()
  for (const t of realTabs) await t.close()
  await browser?.close()
})

describe('in-app notifications', () => {
  it('toasts a message from another conversation, counts it, and clears the count in every tab once opened', async () => {
    const family = uniqueWord('Toast')
    const { context, page } = await person()
    const ada = await signUpNamed(context, 'Ada', family)
    const bob = await nodePerson('Bob', family, ada.user.id)
    const cara = await nodePerson('Cara', family, ada.user.id)
    const list = await context.newPage()

    await page.goto(`/c/${bob.user.id}`)
    await conversationReady(page, bob.name)
    await list.goto('/')
    await list.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()
    expect(titleCount(await page.title())).toBe(0)

    await cara.chat.send('Are you free for lunch?')
    const toast = page.getByRole('link', { name: new RegExp(`New message from ${cara.name}`) })
    await toast.filter({ hasText: 'Are you free for lunch?' }).waitFor()
    await expect.poll(() => page.title()).toMatch(/^\(1\) /)
    await expect.poll(() => list.title()).toMatch(/^\(1\) /)
    const badge = list.getByRole('link', { name: /^Chats/ }).locator('.nav-badge')
    await expect.poll(() => badge.textContent()).toBe('1, 1 unread')
    // The list in the other tab moved Cara's conversation to the top, unread.
    await list.locator(`.conv-item[data-peer="${cara.user.id}"] .conv-unread`).waitFor()
    expect(await list.locator('.conv-item').first().getAttribute('data-peer')).toBe(cara.user.id)

    // A message in the conversation on screen is no toast and no count: it is read there.
    await bob.chat.send('Reading along?')
    await messageRow(page, 'Reading along?').waitFor()
    await bob.chat.frame((f) => f.type === 'read' && f.userId === ada.user.id && f.upTo === 1)

    await toast.click()
    await page.waitForURL(`${baseUrl}/c/${cara.user.id}`)
    await messageRow(page, 'Are you free for lunch?').waitFor()
    await expect.poll(() => page.title()).not.toMatch(/^\(\d+\) /)
    await expect.poll(() => list.title()).not.toMatch(/^\(\d+\) /)
    await badge.waitFor({ state: 'detached' })
    await list.locator(`.conv-item[data-peer="${cara.user.id}"] .conv-unread`).waitFor({ state: 'detached' })
    bob.chat.close()
    cara.chat.close()
  })
})

describe('system notifications', () => {
  it('notifies through the system for a message in the open conversation while the tab is hidden', async () => {
    const tabs = await launchRealTabsBrowser()
    realTabs.push(tabs)
    const { context, page } = tabs
    await recordNotifications(context)
    await context.grantPermissions(['notifications'], { origin: baseUrl })
    const family = uniqueWord('Hidden')
    const ada = await createAccount(baseUrl, { firstName: 'Ada', lastName: family })
    const bob = await nodePerson('Bob', family, ada.user.id)

    await page.goto(`${baseUrl}/signin`)
    await page.bringToFront()
    await signInWithForm(page, ada)
    await page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()

    // Turned on by a click (permission was granted up front, so the browser does not ask).
    // This Chromium reaches no push service: in-page notifications work, and the page says so.
    await page.getByRole('button', { name: 'Enable notifications' }).click()
    await page.getByText('Push to a closed browser is not available here.').waitFor({ timeout: 30_000 })
    await page.getByRole('button', { name: 'Enable notifications' }).waitFor({ state: 'detached' })
    expect(await page.evaluate(() => localStorage.getItem('parley.notifications'))).toBe('on')
    const worker = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active?.scriptURL)
    expect(worker).toBe(`${baseUrl}/sw.js`)

    const sent: string[] = []
    page.on('websocket', (ws) => {
      if (ws.url().includes('/api/conversations/')) ws.on('framesent', (f) => sent.push(String(f.payload)))
    })
    await page.goto(`${baseUrl}/c/${bob.user.id}`)
    await conversationReady(page, bob.name)
    await bob.chat.send('While you are looking')
    await messageRow(page, 'While you are looking').waitFor()
    await bob.chat.frame((f) => f.type === 'read' && f.userId === ada.user.id && f.upTo === 1)
    expect(await recordedNotifications(page)).toEqual([])

    // Another tab in front: this one is really hidden now.
    const other = await context.newPage()
    await other.goto('about:blank')
    await expect.poll(() => page.evaluate(() => document.visibilityState)).toBe('hidden')
    await expect.poll(() => sent).toContain('{"type":"viewing","active":false}')

    await bob.chat.send('Are you still there?')
    await expect
      .poll(() => recordedNotifications(page))
      .toEqual([
        expect.objectContaining({ title: bob.name, body: 'Are you still there?', tag: `parley-${bob.user.id}` }),
      ])
    // Hidden, so not read: Bob sees no read receipt for it yet.
    expect(await page.evaluate(() => document.title)).toMatch(/^\(1\) /)

    await page.bringToFront()
    await expect.poll(() => page.evaluate(() => document.visibilityState)).toBe('visible')
    await expect.poll(() => sent).toContain('{"type":"viewing","active":true}')
    const read = (await bob.chat.frame(
      (f) => f.type === 'read' && f.userId === ada.user.id && f.upTo === 2,
    )) as Extract<ServerFrame, { type: 'read' }>
    expect(read.upTo).toBe(2)
    await expect.poll(() => page.title()).not.toMatch(/^\(\d+\) /)
    await other.close()
    bob.chat.close()
  })

  it('stops system notifications once they are turned off in settings', async () => {
    const tabs = await launchRealTabsBrowser()
    realTabs.push(tabs)
    const { context, page } = tabs
    await recordNotifications(context)
    await context.grantPermissions(['notifications'], { origin: baseUrl })
    const family = uniqueWord('Quiet')
    const ada = await createAccount(baseUrl, { firstName: 'Ada', lastName: family })
    const bob = await nodePerson('Bob', family, ada.user.id)

    await page.goto(`${baseUrl}/signin`)
    await page.bringToFront()
    await signInWithForm(page, ada)
    await page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()

    await page.goto(`${baseUrl}/settings`)
    const toggle = page.getByRole('switch', { name: 'Notify me of new messages on this device' })
    await toggle.check()
    await page.getByText('Push to a closed browser is not available here.').waitFor({ timeout: 30_000 })
    expect(await toggle.isChecked()).toBe(true)

    // On: a hidden tab gets a system notification.
    const other = await context.newPage()
    await expect.poll(() => page.evaluate(() => document.visibilityState)).toBe('hidden')
    await bob.chat.send('First, while notifications are on')
    await expect.poll(async () => (await recordedNotifications(page)).length).toBe(1)

    await page.bringToFront()
    await toggle.uncheck()
    await expect.poll(() => page.evaluate(() => localStorage.getItem('parley.notifications'))).toBe('off')
    expect(await toggle.isChecked()).toBe(false)
    await page.getByText('Off.').waitFor()

    // Off: the message still counts in the title, but the system is not asked to show it.
    await other.bringToFront()
    await expect.poll(() => page.evaluate(() => document.visibilityState)).toBe('hidden')
    await bob.chat.send('Second, after turning them off')
    await expect.poll(async () => titleCount(await page.evaluate(() => document.title))).toBe(2)
    expect((await recordedNotifications(page)).map((n) => n.body)).toEqual(['First, while notifications are on'])
    await other.close()
    bob.chat.close()
  })
})
