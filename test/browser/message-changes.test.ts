// Changing messages in Chromium, two browser contexts as two people: editing and deleting for
// everyone, replying to an old message and jumping back to it, reactions, sent/delivered/read
// ticks, the read receipts switch (both ways), changes made offline, the keyboard, and axe.
import type { Locator, Page, WebSocket as PageSocket } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import type { Message } from '../../protocol/api.ts'
import {
  describeViolations,
  type newPerson,
  screenshotWidths,
  seriousA11yViolations,
  usePeople,
} from './helpers/browser.ts'
import {
  composer,
  conversationReady,
  loggedMessages,
  messageRow,
  sendMessage,
  signUpNamed,
  uniqueWord,
} from './helpers/chat.ts'
import { openNodeChat, sessionCookie } from './helpers/node-chat.ts'

const baseUrl = inject('baseUrl')
const { person } = usePeople(baseUrl)

type Options = Parameters<typeof newPerson>[2]

/** Ann and Bob, signed in, with the same unique last name; their pages are still blank. */
async function pair(options?: Options) {
  const family = uniqueWord('Change')
  const [a, b] = [await person(options), await person(options)]
  const [ann, bob] = await Promise.all([signUpNamed(a.context, 'Ann', family), signUpNamed(b.context, 'Bob', family)])
  return { a, b, ann, bob }
}

/** Both have the conversation open and connected. */
async function talking(options?: Options) {
  const p = await pair(options)
  await Promise.all([p.a.page.goto(`/c/${p.bob.user.id}`), p.b.page.goto(`/c/${p.ann.user.id}`)])
  await Promise.all([conversationReady(p.a.page, p.bob.name), conversationReady(p.b.page, p.ann.name)])
  return p
}

/** The row of the message with `seq`, wherever its text went (edited, deleted). */
const rowBySeq = (page: Page, seq: number) => page.locator(`.log .msg[data-seq="${seq}"]`)

/** The seq of a message once the server has it (one's own message has none until its echo). */
async function seqOf(row: Locator): Promise<number> {
  await row.waitFor()
  await expect.poll(() => row.getAttribute('data-seq')).toMatch(/^\d+$/)
  return Number(await row.getAttribute('data-seq'))
}

/** A quote's accessible name, "In reply to Ann: …" (the author is a box of its own, so a space may come before the colon). */
const quoteName = (author: string, text: string) =>
  new RegExp(`^In reply to ${author}\\s?: ${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)

/**
 * Opens a message's actions the way a mouse user does: hover, then the toolbar's "…" button.
 * The toolbar shows only while the pointer is over the message; if the log moved it away (a
 * message arriving below scrolls the log), the person points at it again.
 */
async function openActions(page: Page, row: Locator): Promise<Locator> {
  const more = row.getByRole('button', { name: 'Actions for this message' })
  for (let attempt = 1; ; attempt++) {
    await row.hover()
    try {
      await more.click({ timeout: 2_000 })
      break
    } catch (err) {
      if (attempt === 4) throw err
    }
  }
  const menu = page.getByRole('menu', { name: 'Message actions' })
  await menu.waitFor()
  return menu
}

async function editMessage(page: Page, row: Locator, body: string): Promise<void> {
  const menu = await openActions(page, row)
  await menu.getByRole('menuitem', { name: 'Edit' }).click()
  const editor = page.getByRole('textbox', { name: 'Edit message' })
  await editor.fill(body)
  await editor.press('Enter')
  await editor.waitFor({ state: 'detached' })
}

async function reactTo(page: Page, row: Locator, emoji: string): Promise<void> {
  const menu = await openActions(page, row)
  await menu.getByRole('menuitemcheckbox', { name: `React with ${emoji}` }).click()
  await menu.waitFor({ state: 'detached' })
}

/** The reactions under a message as people see them: emoji, count, and whether it is one's own. */
function reactionsOf(row: Locator): Promise<[string, string, boolean][]> {
  return row
    .getByRole('group', { name: 'Reactions' })
    .getByRole('button')
    .evaluateAll((buttons) =>
      buttons.map((b) => [
        b.querySelector('.reaction-emoji')?.textContent ?? '',
        b.querySelector('.reaction-count')?.textContent ?? '',
        b.getAttribute('aria-pressed') === 'true',
      ]),
    ) as Promise<[string, string, boolean][]>
}

/** The words the ticks on one's own message say to a screen reader: "Sent", "Delivered", "Read"… */
async function tickWords(row: Locator): Promise<string> {
  return ((await row.locator('.msg-status').textContent()) ?? '').trim()
}

async function history(page: Page, peerId: string): Promise<Message[]> {
  const res = await page.context().request.get(`/api/conversations/${peerId}/messages?limit=100`)
  expect(res.status()).toBe(200)
  return ((await res.json()) as { messages: Message[] }).messages
}

/** The person's unread count in their conversation with `peerId`, as the server has it. */
async function unreadWith(page: Page, peerId: string): Promise<number | undefined> {
  const res = await page.context().request.get('/api/conversations')
  const { conversations } = (await res.json()) as { conversations: { peer: { id: string }; unread: number }[] }
  return conversations.find((c) => c.peer.id === peerId)?.unread
}

/** Which element has focus: a message row's seq, or a description of something else. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null
    if (el?.classList.contains('msg')) return `message ${el.dataset.seq}`
    return `${el?.tagName.toLowerCase()} ${el?.getAttribute('role') ?? ''} ${el?.textContent?.trim() ?? ''}`.trim()
  })
}

/** Flips Settings → Privacy → Read receipts and waits until the server holds the new setting. */
async function setReadReceipts(page: Page, on: boolean): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
  const toggle = page.getByRole('switch', { name: 'Read receipts' })
  await toggle.waitFor()
  expect(await toggle.isChecked()).toBe(!on)
  await toggle.click()
  await page.getByText(on ? 'Read receipts are on.' : 'Read receipts are off.').waitFor()
  expect(await toggle.isChecked()).toBe(on)
}

describe('changing what was said', () => {
  it('shows Bob Ann’s edit marked “edited” and her deletion in its place, live', async () => {
    const { a, b, ann } = await talking()
    // Bob's list beside the conversation (a desktop width) follows both changes too.
    const preview = b.page.locator(`.conv-item[data-peer="${ann.user.id}"] .conv-preview`)
    await sendMessage(a.page, 'Meet you at the harbour at five')
    const seq = await seqOf(messageRow(b.page, 'Meet you at the harbour at five'))
    // Only the sender may edit: Bob's menu on Ann's message has no Edit and no Delete.
    const bobsMenu = await openActions(b.page, rowBySeq(b.page, seq))
    const offered = await bobsMenu.getByRole('menuitem').allTextContents()
    expect(offered).toContain('Reply')
    expect(offered).not.toContain('Edit')
    expect(offered).not.toContain('Delete…')
    await b.page.keyboard.press('Escape')
    await bobsMenu.waitFor({ state: 'detached' })
    expect(await rowBySeq(b.page, seq).getByText('edited', { exact: true }).count()).toBe(0)

    await editMessage(a.page, rowBySeq(a.page, seq), 'Meet you at the harbour at six')
    const onBob = rowBySeq(b.page, seq)
    await expect.poll(() => onBob.locator('.msg-body').textContent()).toBe('Meet you at the harbour at six')
    await onBob.getByText('edited', { exact: true }).waitFor()
    await rowBySeq(a.page, seq).getByText('edited', { exact: true }).waitFor()
    await expect.poll(() => preview.textContent()).toBe('Meet you at the harbour at six')
    expect(await b.page.getByText('Meet you at the harbour at five').count()).toBe(0)

    await sendMessage(a.page, 'That was meant for someone else')
    const gone = await seqOf(messageRow(b.page, 'That was meant for someone else'))
    const menu = await openActions(a.page, rowBySeq(a.page, gone))
    await menu.getByRole('menuitem', { name: 'Delete…' }).click()
    const dialog = a.page.getByRole('dialog', { name: 'Delete this message?' })
    await dialog.getByText(`It will be deleted for you and Bob. This cannot be undone.`).waitFor()
    await dialog.getByRole('button', { name: 'Delete' }).click()
    await dialog.waitFor({ state: 'hidden' })

    await rowBySeq(b.page, gone).getByText('This message was deleted').waitFor()
    await rowBySeq(a.page, gone).getByText('This message was deleted').waitFor()
    await expect.poll(() => preview.textContent()).toBe('This message was deleted')
    expect(await b.page.getByText('That was meant for someone else').count()).toBe(0)
    // A deleted message offers nothing more, and keeps its place in the log.
    expect(await rowBySeq(b.page, gone).getByRole('button', { name: 'Actions for this message' }).count()).toBe(0)
    expect((await loggedMessages(b.page)).map((m) => [m.seq, m.body])).toEqual([
      [seq, 'Meet you at the harbour at six'],
      [gone, 'This message was deleted'],
    ])
  })

  it('lets Bob answer an old message of Ann’s, and takes Ann from the quote back to the original', async () => {
    const { a, b, ann, bob } = await pair()
    const [cookieA, cookieB] = await Promise.all([sessionCookie(baseUrl, ann), sessionCookie(baseUrl, bob)])
    const first = await openNodeChat(baseUrl, cookieA, bob.user.id)
    const original = 'The spare key is under the blue flowerpot'
    expect(await first.send(original)).toBe(1)
    // Enough after it that the original is two history pages back (50 a page); several sockets
    // share the work, each one under the server's per-socket frame rate.
    const sockets = [
      first,
      await openNodeChat(baseUrl, cookieB, ann.user.id),
      await openNodeChat(baseUrl, cookieA, bob.user.id),
      await openNodeChat(baseUrl, cookieB, ann.user.id),
    ]
    const total = 111
    let next = 2
    await Promise.all(
      sockets.map(async (socket) => {
        while (next <= total) {
          await socket.send(`small talk ${next++}`)
          await new Promise((resolve) => setTimeout(resolve, 60))
        }
      }),
    )
    // Both have read them all elsewhere: their logs open at the newest (not at a first unread).
    for (const [socket, reader] of [
      [sockets[0]!, ann.user.id],
      [sockets[1]!, bob.user.id],
    ] as const) {
      socket.sendFrame({ type: 'read', upTo: total })
      await socket.frame((f) => f.type === 'read' && f.userId === reader && f.upTo === total)
    }
    for (const socket of sockets) socket.close()

    // Bob scrolls back to it and replies from the toolbar.
    await b.page.goto(`/c/${ann.user.id}`)
    await conversationReady(b.page, ann.name)
    await rowBySeq(b.page, total).waitFor()
    const bobLog = b.page.getByRole('log')
    for (let i = 0; i < 40 && (await rowBySeq(b.page, 1).count()) === 0; i++) {
      await bobLog.evaluate((el) => el.scrollBy({ top: -2000 }))
      await b.page.waitForFunction(() => !document.querySelector('.log-start')?.textContent?.includes('Loading'))
    }
    const old = rowBySeq(b.page, 1)
    await old.hover()
    await old.getByRole('button', { name: 'Reply' }).click()
    await b.page.locator('.composer').getByText('Replying to Ann').waitFor()
    expect(await b.page.locator('.composer').getByText(original).count()).toBe(1)
    await expect.poll(() => focused(b.page)).toMatch(/^textarea/)
    await b.page.keyboard.type('Found it, thank you!')
    await b.page.keyboard.press('Enter')
    const reply = messageRow(b.page, 'Found it, thank you!')
    await reply.getByRole('button', { name: quoteName('Ann', original) }).waitFor()
    await expect.poll(() => reply.getAttribute('data-seq')).toBe(String(total + 1))
    await b.page.locator('.composer').getByText('Replying to Ann').waitFor({ state: 'detached' })

    // Ann opens the conversation: only the newest page is loaded, the original is far above.
    await a.page.goto(`/c/${bob.user.id}`)
    await conversationReady(a.page, bob.name)
    const onAnn = messageRow(a.page, 'Found it, thank you!')
    const quote = onAnn.getByRole('button', { name: quoteName('You', original) })
    await quote.waitFor()
    expect(await rowBySeq(a.page, 1).count()).toBe(0)
    expect(Math.min(...(await loggedMessages(a.page)).map((m) => m.seq!))).toBeGreaterThan(50)

    await quote.click()
    const target = rowBySeq(a.page, 1)
    await a.page.locator('.log .msg.msg-highlight[data-seq="1"]').waitFor({ timeout: 5_000 })
    expect(await target.locator('.msg-body').textContent()).toBe(original)
    // In view inside the log, not just in the DOM.
    const inView = () =>
      target.evaluate((row) => {
        const log = row.closest('.log')!.getBoundingClientRect()
        const box = row.getBoundingClientRect()
        return box.top >= log.top && box.bottom <= log.bottom
      })
    await expect.poll(inView).toBe(true)
    await expect.poll(() => focused(a.page)).toBe('message 1')
    // The highlight fades; the original stays where it was brought.
    await a.page.locator('.log .msg.msg-highlight').waitFor({ state: 'detached', timeout: 5_000 })
    expect(await inView()).toBe(true)
  })

  it('shows both people the same reactions, with counts, as they add and take them back', async () => {
    const { a, b, ann, bob } = await talking()
    await sendMessage(a.page, 'Lunch on Friday?')
    const seq = await seqOf(messageRow(b.page, 'Lunch on Friday?'))
    const onAnn = rowBySeq(a.page, seq)
    const onBob = rowBySeq(b.page, seq)

    await reactTo(b.page, onBob, '👍')
    await onAnn.getByRole('button', { name: '👍 1 from Bob' }).waitFor()
    expect(await reactionsOf(onAnn)).toEqual([['👍', '1', false]])

    await reactTo(a.page, onAnn, '❤️')
    await onBob.getByRole('button', { name: '❤️ 1 from Ann' }).waitFor()
    // Pressing someone else's reaction joins it.
    await onBob.getByRole('button', { name: '❤️ 1 from Ann' }).click()
    await onAnn.getByRole('button', { name: '❤️ 2 from You and Bob' }).waitFor()
    expect(await reactionsOf(onAnn)).toEqual([
      ['👍', '1', false],
      ['❤️', '2', true],
    ])

    // Bob taps his own 👍 to take it back.
    await onBob.getByRole('button', { name: '👍 1 from You' }).click()
    await expect.poll(() => reactionsOf(onAnn)).toEqual([['❤️', '2', true]])
    await expect.poll(() => reactionsOf(onBob)).toEqual([['❤️', '2', true]])
    await onBob.getByRole('button', { name: '❤️ 2 from You and Ann' }).waitFor()

    // The server agrees with both screens.
    const stored = (await history(a.page, bob.user.id)).find((m) => m.seq === seq)
    expect(stored?.reactions).toEqual({ '❤️': [ann.user.id, bob.user.id] })
  })
})

describe('ticks and read receipts', () => {
  it('shows Ann “Sent”, then “Delivered” once Bob’s app has it, then “Read” once he opens it', async () => {
    const { a, b, ann, bob } = await pair()
    await a.page.goto(`/c/${bob.user.id}`)
    await conversationReady(a.page, bob.name)
    // Bob has Parley open nowhere yet: stored, not delivered.
    await sendMessage(a.page, 'Are you home yet?')
    const mine = messageRow(a.page, 'Are you home yet?')
    await expect.poll(() => tickWords(mine)).toBe('Sent')

    // Bob's app on his chat list (its notifications socket) has it; he has not opened it.
    await b.page.goto('/')
    const item = b.page.locator(`.conv-item[data-peer="${ann.user.id}"]`)
    await item.filter({ hasText: 'Are you home yet?' }).locator('.conv-unread').waitFor()
    await expect.poll(() => tickWords(mine)).toBe('Delivered')

    await item.click()
    await conversationReady(b.page, ann.name)
    await messageRow(b.page, 'Are you home yet?').waitFor()
    await expect.poll(() => tickWords(mine)).toBe('Read')
    // The icon agrees with the words.
    expect(await mine.locator('.msg-status').getAttribute('data-status')).toBe('read')
  })

  it('hides read ticks both ways while Bob has read receipts off, and shows them again once he turns them on', async () => {
    const { a, b, ann, bob } = await pair()
    await b.page.goto('/')
    await setReadReceipts(b.page, false)

    await a.page.goto(`/c/${bob.user.id}`)
    await conversationReady(a.page, bob.name)
    await sendMessage(a.page, 'Did you get the tickets?')
    const annsOwn = messageRow(a.page, 'Did you get the tickets?')

    // Bob reads it.
    await b.page.goto(`/c/${ann.user.id}`)
    await conversationReady(b.page, ann.name)
    await messageRow(b.page, 'Did you get the tickets?').waitFor()
    await expect.poll(() => unreadWith(b.page, ann.user.id)).toBe(0)
    // Frames in a room go out in order: once Bob's next message reaches Ann, any word of his
    // read would have reached her before it.
    await sendMessage(b.page, 'Yes, row twelve.')
    await messageRow(a.page, 'Yes, row twelve.').waitFor()
    expect(await tickWords(annsOwn)).toBe('Delivered')

    // And the other way: Ann has Bob's message on screen, so she has read it.
    const bobsOwn = messageRow(b.page, 'Yes, row twelve.')
    await expect.poll(() => unreadWith(a.page, bob.user.id)).toBe(0)
    await sendMessage(a.page, 'Great, see you there.')
    await messageRow(b.page, 'Great, see you there.').waitFor()
    await expect.poll(() => tickWords(bobsOwn)).toBe('Delivered')
    // Nothing on either screen says "Read", nor does the history.
    for (const page of [a.page, b.page]) {
      expect((await loggedMessages(page)).filter((m) => m.mine).map((m) => m.status)).not.toContain('read')
    }
    for (const m of await history(a.page, bob.user.id)) expect(m.readAt).toBeUndefined()
    for (const m of await history(b.page, ann.user.id)) expect(m.readAt).toBeUndefined()

    // Bob turns them back on in Settings; Ann sees her messages read, live, and so does he.
    await setReadReceipts(b.page, true)
    await expect.poll(() => tickWords(annsOwn)).toBe('Read')
    await b.page.goto(`/c/${ann.user.id}`)
    await conversationReady(b.page, ann.name)
    await expect.poll(() => tickWords(messageRow(b.page, 'Yes, row twelve.'))).toBe('Read')
    await sendMessage(b.page, 'Receipts are back on.')
    await expect.poll(() => tickWords(messageRow(b.page, 'Receipts are back on.'))).toBe('Read')
  })
})

describe('changes made offline', () => {
  it('sends Ann’s offline edit and reaction once she is back, and Bob gets each exactly once', async () => {
    const { a, b, ann, bob } = await pair()
    const isChat = (ws: PageSocket) => ws.url().includes('/api/conversations/')
    // Each frame Ann's page sends, with the number of the chat socket it went on.
    const sentByAnn: { type: string; socket: number }[] = []
    let annSockets = 0
    a.page.on('websocket', (ws) => {
      if (!isChat(ws)) return
      const socket = annSockets++
      ws.on('framesent', (f) => {
        const { type } = JSON.parse(String(f.payload)) as { type: string }
        sentByAnn.push({ type, socket })
      })
    })
    const updatesOnBob: Message[] = []
    b.page.on('websocket', (ws) => {
      if (!isChat(ws)) return
      ws.on('framereceived', (f) => {
        const frame = JSON.parse(String(f.payload)) as { type: string; message?: Message }
        if (frame.type === 'update' && frame.message) updatesOnBob.push(frame.message)
      })
    })
    await Promise.all([a.page.goto(`/c/${bob.user.id}`), b.page.goto(`/c/${ann.user.id}`)])
    await Promise.all([conversationReady(a.page, bob.name), conversationReady(b.page, ann.name)])

    await sendMessage(a.page, 'Train leaves at 8:15')
    const seq = await seqOf(messageRow(b.page, 'Train leaves at 8:15'))
    const before = (await history(a.page, bob.user.id)).find((m) => m.seq === seq)!
    const onAnn = rowBySeq(a.page, seq)
    const onBob = rowBySeq(b.page, seq)

    await a.context.setOffline(true)
    await a.page.locator('.connection').getByText('You are offline.').waitFor()
    await editMessage(a.page, onAnn, 'Train leaves at 8:45')
    await reactTo(a.page, onAnn, '👍')
    // Ann sees what she did at once, marked as waiting.
    expect(await onAnn.locator('.msg-body').textContent()).toBe('Train leaves at 8:45')
    await onAnn.getByText('edited', { exact: true }).waitFor()
    expect(await reactionsOf(onAnn)).toEqual([['👍', '1', true]])
    await onAnn.getByText(', change waiting to be sent').waitFor({ state: 'attached' })
    expect(await onBob.locator('.msg-body').textContent()).toBe('Train leaves at 8:15')

    // Sockets from here on were opened after the network came back.
    const back = annSockets
    await a.context.setOffline(false)
    await a.page.locator('.connection').waitFor({ state: 'detached' })
    await expect.poll(() => onBob.locator('.msg-body').textContent()).toBe('Train leaves at 8:45')
    await onBob.getByText('edited', { exact: true }).waitFor()
    await expect.poll(() => reactionsOf(onBob)).toEqual([['👍', '1', false]])
    await onAnn.getByText(', change waiting to be sent').waitFor({ state: 'detached' })

    // Nothing is left to go again: not after a reload either. A message Ann sends next is the
    // barrier: anything sent before it would have reached Bob first.
    await a.page.reload()
    await conversationReady(a.page, bob.name)
    await sendMessage(a.page, 'See you on the platform')
    await messageRow(b.page, 'See you on the platform').waitFor()

    const changes = sentByAnn.filter((f) => f.type === 'edit' || f.type === 'react' || f.type === 'delete')
    expect(changes.map((f) => f.type)).toEqual(['edit', 'react'])
    // Nothing went on the socket of before the outage (Chromium would have held it and let it go later).
    expect(changes.every((f) => f.socket >= back)).toBe(true)
    // The room may fold both changes into one update (one group commit) or send one each; either
    // way each is applied once: one edit, one reaction, nothing repeated, the last one complete.
    expect(updatesOnBob.length).toBeGreaterThanOrEqual(1)
    expect(updatesOnBob.length).toBeLessThanOrEqual(2)
    expect(new Set(updatesOnBob.map((m) => `${m.seq} ${m.body} ${m.editedAt}`))).toEqual(
      new Set([`${seq} Train leaves at 8:45 ${updatesOnBob[0]!.editedAt}`]),
    )
    expect(new Set(updatesOnBob.map((m) => m.rev)).size).toBe(updatesOnBob.length)
    expect(updatesOnBob.at(-1)!.reactions).toEqual({ '👍': [ann.user.id] })
    expect(await reactionsOf(onBob)).toEqual([['👍', '1', false]])
    // Two changes to this message, so two new revs, and no third.
    const after = (await history(b.page, ann.user.id)).find((m) => m.seq === seq)!
    expect(after.rev).toBe(before.rev + 2)
    expect(after.body).toBe('Train leaves at 8:45')
    expect(after.reactions).toEqual({ '👍': [ann.user.id] })
    // Ann's status line has nothing to say: no refusal, no problem.
    expect(await a.page.locator('.action-status').textContent()).toBe('')
    expect(await a.page.locator('.msg-problem').count()).toBe(0)
  })
})

describe('keyboard', () => {
  it('opens a focused message’s menu with Enter and closes it with Escape, giving focus back to the message', async () => {
    const { a, b } = await talking()
    await sendMessage(b.page, 'Can you bring the charger?')
    await messageRow(a.page, 'Can you bring the charger?').waitFor()
    await sendMessage(a.page, 'Sure, the long cable')
    const theirs = await seqOf(messageRow(a.page, 'Can you bring the charger?'))
    const mine = await seqOf(messageRow(a.page, 'Sure, the long cable'))

    // Tab from the log lands on the newest message; the arrow keys move between messages.
    await a.page.getByRole('log').focus()
    await a.page.keyboard.press('Tab')
    await expect.poll(() => focused(a.page)).toBe(`message ${mine}`)
    await a.page.keyboard.press('ArrowUp')
    await expect.poll(() => focused(a.page)).toBe(`message ${theirs}`)

    await a.page.keyboard.press('Enter')
    const menu = a.page.getByRole('menu', { name: 'Message actions' })
    await menu.waitFor()
    await expect.poll(() => focused(a.page)).toBe('button menuitemcheckbox 👍')
    // Not her message: nothing to edit or delete.
    expect(await menu.getByRole('menuitem', { name: 'Edit' }).count()).toBe(0)
    await a.page.keyboard.press('End')
    await a.page.keyboard.press('Escape')
    await menu.waitFor({ state: 'detached' })
    await expect.poll(() => focused(a.page)).toBe(`message ${theirs}`)

    // Her own: Enter, down to Edit, Enter; Escape leaves the editor unchanged, focus on the message.
    await a.page.keyboard.press('ArrowDown')
    await expect.poll(() => focused(a.page)).toBe(`message ${mine}`)
    await a.page.keyboard.press('Enter')
    await menu.waitFor()
    const edit = menu.getByRole('menuitem', { name: 'Edit' })
    for (let i = 0; i < 12 && !(await edit.evaluate((el) => el === document.activeElement)); i++) {
      await a.page.keyboard.press('ArrowDown')
    }
    await a.page.keyboard.press('Enter')
    const editor = a.page.getByRole('textbox', { name: 'Edit message' })
    await expect.poll(() => editor.evaluate((el) => el === document.activeElement)).toBe(true)
    await a.page.keyboard.type(' and a plug')
    await a.page.keyboard.press('Escape')
    await editor.waitFor({ state: 'detached' })
    await expect.poll(() => focused(a.page)).toBe(`message ${mine}`)
    expect(await rowBySeq(a.page, mine).locator('.msg-body').textContent()).toBe('Sure, the long cable')
    expect(await menu.count()).toBe(0)
  })
})

describe('look and accessibility', () => {
  it('has no serious or critical axe violations in a conversation with edited, deleted, replied and reacted messages', async () => {
    const found: string[] = []
    for (const colorScheme of ['light', 'dark'] as const) {
      const { a, b } = await talking({ colorScheme })
      await sendMessage(a.page, 'First draft of the plan')
      await sendMessage(a.page, 'Something I regret saying')
      await sendMessage(b.page, 'What time works for you?')
      const edited = await seqOf(messageRow(b.page, 'First draft of the plan'))
      const deleted = await seqOf(messageRow(b.page, 'Something I regret saying'))
      const question = await seqOf(messageRow(a.page, 'What time works for you?'))

      await editMessage(a.page, rowBySeq(a.page, edited), 'Final version of the plan')
      const menu = await openActions(a.page, rowBySeq(a.page, deleted))
      await menu.getByRole('menuitem', { name: 'Delete…' }).click()
      await a.page.getByRole('dialog', { name: 'Delete this message?' }).getByRole('button', { name: 'Delete' }).click()
      const reply = await openActions(a.page, rowBySeq(a.page, question))
      await reply.getByRole('menuitem', { name: 'Reply' }).click()
      await composer(a.page).fill('Seven, at the usual place')
      await composer(a.page).press('Enter')
      const replyRow = messageRow(b.page, 'Seven, at the usual place')
      await replyRow.getByRole('button', { name: quoteName('You', 'What time works for you?') }).waitFor()
      await reactTo(b.page, rowBySeq(b.page, edited), '🙏')
      await reactTo(a.page, rowBySeq(a.page, question), '😮')

      await rowBySeq(b.page, deleted).getByText('This message was deleted').waitFor()
      await rowBySeq(b.page, edited).getByText('edited', { exact: true }).waitFor()
      await rowBySeq(b.page, question).getByRole('button', { name: '😮 1 from Ann' }).waitFor()
      await rowBySeq(a.page, edited).getByRole('button', { name: '🙏 1 from Bob' }).waitFor()

      for (const [who, page] of [
        ['Ann', a.page],
        ['Bob', b.page],
      ] as const) {
        const violations = await seriousA11yViolations(page)
        if (violations.length > 0)
          found.push(`${who}'s conversation (${colorScheme}):\n${describeViolations(violations)}`)
      }
      // With a message's actions open, too.
      await openActions(b.page, rowBySeq(b.page, question))
      const withMenu = await seriousA11yViolations(b.page)
      if (withMenu.length > 0) found.push(`action menu (${colorScheme}):\n${describeViolations(withMenu)}`)
      await b.page.keyboard.press('Escape')
      await b.page.getByRole('menu', { name: 'Message actions' }).waitFor({ state: 'detached' })
      // For people to look at: artifacts/screenshots/message-changes[-dark]-<width>.png.
      await screenshotWidths(b.page, `message-changes${colorScheme === 'dark' ? '-dark' : ''}`)
    }
    expect(found, found.join('\n\n')).toEqual([])
  })
})
