// Finding one's way around the chats (issue 14): landing on the first unread message under
// its divider, the jump-to-latest button and its count, the list's filter box, and the
// keyboard shortcuts with their help, at a desktop and a phone width, light and dark.
import type { Page } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import type { ServerFrame } from '../../protocol/frames.ts'
import { createAccount } from './helpers/accounts.ts'
import { describeViolations, seriousA11yViolations, usePeople } from './helpers/browser.ts'
import { conversationReady, messageRow, sendMessage, signUpNamed, uniqueWord } from './helpers/chat.ts'
import { type NodeChat, openNodeChat, sessionCookie } from './helpers/node-chat.ts'

const baseUrl = inject('baseUrl')
const { person } = usePeople(baseUrl)
const PHONE = { viewport: { width: 360, height: 740 } }

/** Sends under the chat send rate (20/s); resolves with the last seq. */
async function sendMany(chat: NodeChat, prefix: string, count: number): Promise<number> {
  let seq = 0
  for (let i = 0; i < count; i++) {
    seq = await chat.send(`${prefix} ${i}`)
    await new Promise((resolve) => setTimeout(resolve, 55))
  }
  return seq
}

/** Resolves once `userId` has read up to `seq`, as the peer's socket hears it. */
function readUpTo(chat: NodeChat, userId: string, seq: number): Promise<ServerFrame> {
  return chat.frame((f) => f.type === 'read' && f.userId === userId && f.upTo >= seq)
}

/** Where `locator`'s box sits in the log's visible area: 'above', 'in' or 'below'. */
function placeInLog(page: Page, selector: string): Promise<string> {
  return page.evaluate((sel) => {
    const log = document.querySelector('.log')!.getBoundingClientRect()
    const el = document.querySelector(sel)
    if (!el) return 'missing'
    const box = el.getBoundingClientRect()
    if (box.bottom <= log.top) return 'above'
    if (box.top >= log.bottom) return 'below'
    return 'in'
  }, selector)
}

describe('unread messages', () => {
  it('lands on the first unread message under a divider that stays, and jumps to the latest with a count', async () => {
    const family = uniqueWord('Unread')
    const a = await person()
    const b = await person()
    const [ada, bob] = await Promise.all([signUpNamed(a.context, 'Ada', family), signUpNamed(b.context, 'Bob', family)])
    const chat = await openNodeChat(baseUrl, await sessionCookie(baseUrl, bob), ada.user.id)
    try {
      await a.page.emulateMedia({ colorScheme: 'dark' })
      const seen = await sendMany(chat, 'earlier', 3)
      await a.page.goto(`/c/${bob.user.id}`)
      await conversationReady(a.page, bob.name)
      await readUpTo(chat, ada.user.id, seen)
      // All three fit on screen: divided off, read at once, and the log stays at its end.
      await a.page.getByRole('separator', { name: '3 unread messages' }).waitFor()
      expect(await a.page.getByRole('button', { name: /Latest messages/ }).count()).toBe(0)

      // Back on the list, 16 more arrive; opening the conversation again lands on the first.
      await a.page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: /^Chats/ })
        .click()
      await a.page.waitForURL((url) => url.pathname === '/')
      const last = await sendMany(chat, 'news', 16)
      await a.page.locator(`.conv-item[data-peer="${bob.user.id}"]`).filter({ hasText: 'news 15' }).click()
      const divider = a.page.getByRole('separator', { name: '16 unread messages' })
      await divider.waitFor()
      await expect.poll(() => placeInLog(a.page, '.log-unread')).toBe('in')
      expect(await placeInLog(a.page, `.msg[data-seq="${last}"]`)).not.toBe('in')
      await a.page.getByRole('status').filter({ hasText: '16 unread messages' }).waitFor({ state: 'attached' })

      // Only what was on screen was read: the button counts the rest.
      const jump = a.page.getByRole('button', { name: /^Latest messages\W+\d+ new$/ })
      await jump.waitFor()
      const below = Number((await jump.textContent())!.match(/(\d+) new/)![1])
      expect(below).toBeGreaterThan(0)
      expect(below).toBeLessThan(16)

      await jump.click()
      await expect.poll(() => placeInLog(a.page, `.msg[data-seq="${last}"]`)).toBe('in')
      await readUpTo(chat, ada.user.id, last)
      await a.page.getByRole('button', { name: /Latest messages/ }).waitFor({ state: 'detached' })
      // Everything is read now, and the divider is where it was put.
      expect(await divider.count()).toBe(1)
      const newest = await chat.send('one more while you look')
      await messageRow(a.page, 'one more while you look').waitFor()
      await readUpTo(chat, ada.user.id, newest)
      expect(await a.page.getByRole('separator').count()).toBe(1)

      // Scrolled up, new messages are counted on the button as they arrive.
      await a.page.getByRole('log').evaluate((el) => el.scrollTo({ top: 0 }))
      await a.page.getByRole('button', { name: 'Latest messages', exact: true }).waitFor()
      await chat.send('are you there?')
      const hello = await chat.send('hello?')
      await a.page.getByRole('button', { name: /^Latest messages\W+2 new$/ }).waitFor()

      const violations = await seriousA11yViolations(a.page)
      expect(violations, describeViolations(violations)).toEqual([])
      await a.page.getByRole('button', { name: /^Latest messages\W+2 new$/ }).click()
      await expect.poll(() => placeInLog(a.page, `.msg[data-seq="${hello}"]`)).toBe('in')
    } finally {
      chat.close()
    }
  })
})

describe('the chats list', () => {
  it('filters by name or email ignoring case and accents, moves by arrow keys and shows the shortcuts', async () => {
    const family = uniqueWord('Filter')
    const a = await person()
    const ada = await signUpNamed(a.context, 'Ada', family)
    const others = await Promise.all(
      ['Zoë', 'Bob', 'Carl'].map(async (firstName) => {
        const account = await createAccount(baseUrl, { firstName, lastName: family })
        const chat = await openNodeChat(baseUrl, await sessionCookie(baseUrl, account), ada.user.id)
        await chat.send(`hello from ${firstName}`)
        chat.close()
        return { ...account, name: `${firstName} ${family}` }
      }),
    )
    // Dark from the start: switched later, colours would still be in transition for axe.
    await a.page.emulateMedia({ colorScheme: 'dark' })
    await a.page.goto('/')
    const list = a.page.getByRole('list', { name: 'Conversations' })
    await expect.poll(() => list.getByRole('link').count()).toBe(3)
    const names = () => list.locator('.conv-name').allTextContents()

    const filter = a.page.getByRole('searchbox', { name: 'Filter chats' })
    await filter.fill('ZOE')
    await expect.poll(names).toEqual([others[0]!.name])
    await filter.fill('zoë')
    await expect.poll(names).toEqual([others[0]!.name])
    // Email addresses match too (they are person-…@example.com, unique to Bob here).
    await filter.fill(others[1]!.email.slice(0, 15).toUpperCase())
    await expect.poll(names).toEqual([others[1]!.name])
    await filter.fill('nobody by this name')
    await a.page.getByText('No chats match').waitFor()
    // Typing a "?" or "/" into the box is just typing.
    await filter.fill('')
    await filter.press('?')
    expect(await filter.inputValue()).toBe('?')
    expect(await a.page.getByRole('dialog').count()).toBe(0)
    await filter.press('Escape')
    expect(await filter.inputValue()).toBe('')
    await expect.poll(() => list.getByRole('link').count()).toBe(3)

    // Arrows: from the box into the list, down and back up; "/" and Ctrl+K come back to the box.
    const links = list.getByRole('link')
    const focusedPeer = () => a.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.peer)
    const peerOf = async (i: number) => links.nth(i).getAttribute('data-peer')
    await filter.press('ArrowDown')
    await expect.poll(focusedPeer).toBe(await peerOf(0))
    await a.page.keyboard.press('ArrowDown')
    await a.page.keyboard.press('ArrowDown')
    await expect.poll(focusedPeer).toBe(await peerOf(2))
    await a.page.keyboard.press('ArrowDown')
    await expect.poll(focusedPeer).toBe(await peerOf(2))
    await a.page.keyboard.press('Home')
    await expect.poll(focusedPeer).toBe(await peerOf(0))
    await a.page.keyboard.press('ArrowUp')
    await expect.poll(() => filter.evaluate((el) => el === document.activeElement)).toBe(true)
    await a.page.locator('body').click({ position: { x: 5, y: 700 } })
    await a.page.keyboard.press('/')
    await expect.poll(() => filter.evaluate((el) => el === document.activeElement)).toBe(true)
    expect(await filter.inputValue()).toBe('')
    await links.nth(1).focus()
    await a.page.keyboard.press('Control+k')
    await expect.poll(() => filter.evaluate((el) => el === document.activeElement)).toBe(true)

    // The help: from its button and from "?", closed by Escape, focus back where it was.
    const helpButton = a.page.getByRole('button', { name: 'Keyboard shortcuts' })
    await helpButton.click()
    const help = a.page.getByRole('dialog', { name: 'Keyboard shortcuts' })
    await help.waitFor()
    await help.getByText('Filter your chats').waitFor()
    const violations = await seriousA11yViolations(a.page)
    expect(violations, describeViolations(violations)).toEqual([])
    await a.page.keyboard.press('Escape')
    await help.waitFor({ state: 'hidden' })
    await expect.poll(() => helpButton.evaluate((el) => el === document.activeElement)).toBe(true)
    await links.nth(2).focus()
    await a.page.keyboard.press('?')
    await help.waitFor()
    await help.getByRole('button', { name: 'Close' }).click()
    await help.waitFor({ state: 'hidden' })
    await expect.poll(focusedPeer).toBe(await peerOf(2))
  })

  it('closes the open conversation with Escape on a phone, after dialogs and menus have had theirs', async () => {
    const family = uniqueWord('Escape')
    const a = await person(PHONE)
    const b = await person()
    const [ada, bob] = await Promise.all([signUpNamed(a.context, 'Ada', family), signUpNamed(b.context, 'Bob', family)])
    const chat = await openNodeChat(baseUrl, await sessionCookie(baseUrl, bob), ada.user.id)
    await chat.send('hi Ada')
    chat.close()
    await a.page.emulateMedia({ colorScheme: 'dark' })
    await a.page.goto('/')
    await a.page.locator(`.conv-item[data-peer="${bob.user.id}"]`).click()
    await conversationReady(a.page, bob.name)
    await sendMessage(a.page, 'a message to delete, or not')

    // Escape in the message menu and in the delete question closes those only.
    const row = messageRow(a.page, 'a message to delete, or not')
    // A message offers actions once the server has it (a pending one offers none).
    await row.and(a.page.locator('.msg:not(.msg-pending)')).waitFor()
    await row.focus()
    await row.press('Enter')
    const menu = a.page.getByRole('menu', { name: 'Message actions' })
    await menu.waitFor()
    await a.page.keyboard.press('Escape')
    await menu.waitFor({ state: 'detached' })
    await row.press('Enter')
    await menu.getByRole('menuitem', { name: 'Delete…' }).click()
    const dialog = a.page.getByRole('dialog', { name: 'Delete this message?' })
    await dialog.waitFor()
    await a.page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    expect(new URL(a.page.url()).pathname).toBe(`/c/${bob.user.id}`)

    // Then it closes the conversation, and focus is on its row in the list.
    await a.page.keyboard.press('Escape')
    await a.page.waitForURL((url) => url.pathname === '/')
    const item = a.page.locator(`.conv-item[data-peer="${bob.user.id}"]`)
    await expect.poll(() => item.evaluate((el) => el === document.activeElement)).toBe(true)
    const violations = await seriousA11yViolations(a.page)
    expect(violations, describeViolations(violations)).toEqual([])
  })
})
