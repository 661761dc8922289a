// Blocking in Chromium (CONTRACT.md: Blocking), two people in two contexts: Ada blocks Bob from
// the conversation header after a question that says what it does; both composers give way to
// an explanation, live; Bob's sends are refused; Ada unblocks him in Settings → Privacy and
// the conversation works again for both.
import { randomUUID } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import { describeViolations, screenshotWidths, seriousA11yViolations, usePeople } from './helpers/browser.ts'
import { composer, conversationReady, messageRow, sendMessage, talkingPair } from './helpers/chat.ts'
import { openNodeChat, sessionCookie } from './helpers/node-chat.ts'

const baseUrl = inject('baseUrl')
const { person } = usePeople(baseUrl)

const talking = () => talkingPair(person, { family: 'Block' })

describe('blocking someone', () => {
  it('blocks from the header, explains it in both composers, refuses the peer, and unblocks from Settings', async () => {
    const { a, b, ada, bob } = await talking()
    await sendMessage(a.page, 'Before the block')
    await messageRow(b.page, 'Before the block').waitFor()

    await a.page.getByRole('button', { name: `Block ${bob.name}` }).click()
    const dialog = a.page.getByRole('dialog', { name: `Block ${bob.name}?` })
    await dialog.waitFor()
    await expect.poll(() => dialog.textContent()).toContain('Neither of you will be able to send messages')
    expect(await seriousA11yViolations(a.page), 'with the question open').toEqual([])
    await dialog.getByRole('button', { name: 'Block', exact: true }).click()

    // Ada's composer explains and offers the way back; Bob's says he can't reply, live.
    await a.page.getByText(`You blocked ${bob.name}. Unblock Bob to send messages.`).waitFor()
    await b.page.getByText("You can't reply to this conversation.").waitFor()
    expect(await composer(a.page).count()).toBe(0)
    expect(await composer(b.page).count()).toBe(0)
    await a.page.getByRole('button', { name: `Unblock ${bob.name}` }).waitFor()
    // The chat list beside it marks the conversation, from the notifications socket.
    await a.page.locator(`.conv-item[data-peer="${bob.user.id}"] .conv-blocked`).waitFor()
    // Actions that change messages are gone for Bob: no reply button, no reactions in the menu.
    const row = messageRow(b.page, 'Before the block')
    await row.hover()
    expect(await row.getByRole('button', { name: 'Reply' }).count()).toBe(0)

    const violations = await seriousA11yViolations(b.page)
    expect(violations, describeViolations(violations)).toEqual([])
    await screenshotWidths(a.page, 'blocked-by-me')
    // Fits a 360 px screen: nothing sticks out sideways.
    await a.page.setViewportSize({ width: 360, height: 740 })
    expect(await a.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    await a.page.setViewportSize({ width: 1280, height: 800 })

    // Bob's client would be refused even if it tried.
    const bobChat = await openNodeChat(baseUrl, await sessionCookie(baseUrl, bob), ada.user.id)
    const ready = await bobChat.frame((f) => f.type === 'ready')
    expect(ready).toMatchObject({ type: 'ready', blocked: 'by-peer' })
    const clientId = randomUUID()
    bobChat.sendFrame({ type: 'send', clientId, body: 'Can you hear me?' })
    const refused = await bobChat.frame((f) => f.type === 'error' && f.clientId === clientId)
    expect(refused).toMatchObject({ type: 'error', code: 'blocked', clientId })
    bobChat.close()

    // Settings → Privacy lists Bob with an Unblock button.
    await a.page.goto('/settings')
    const list = a.page.getByRole('list', { name: 'Blocked people' })
    await list.getByText(bob.name).waitFor()
    const settingsViolations = await seriousA11yViolations(a.page)
    expect(settingsViolations, describeViolations(settingsViolations)).toEqual([])
    await list.getByRole('button', { name: `Unblock ${bob.name}` }).click()
    await a.page.getByText("You haven't blocked anyone.", { exact: false }).waitFor()
    await a.page
      .getByRole('status')
      .filter({ hasText: `${bob.name} is unblocked.` })
      .waitFor()

    // Bob's composer comes back live; both can write again.
    await composer(b.page).waitFor()
    await a.page.goto(`/c/${bob.user.id}`)
    await conversationReady(a.page, bob.name)
    await sendMessage(a.page, 'After unblocking')
    await messageRow(b.page, 'After unblocking').waitFor()
    await sendMessage(b.page, 'Hello again')
    await messageRow(a.page, 'Hello again').waitFor()
    await a.page.getByRole('button', { name: `Block ${bob.name}` }).waitFor()
  })

  it('unblocks from the explanation in place of the composer', async () => {
    const { a, b, bob } = await talking()
    await a.page.getByRole('button', { name: `Block ${bob.name}` }).click()
    await a.page.getByRole('dialog').getByRole('button', { name: 'Block', exact: true }).click()
    const notice = a.page.locator('.composer-blocked')
    await notice.getByRole('button', { name: 'Unblock' }).click()
    await composer(a.page).waitFor()
    // Focus is not lost with the button: the composer that replaced it has it.
    await expect
      .poll(() => a.page.evaluate(() => document.activeElement?.classList.contains('composer-input')))
      .toBe(true)
    await composer(b.page).waitFor()
    await sendMessage(b.page, 'Thanks for unblocking')
    await messageRow(a.page, 'Thanks for unblocking').waitFor()
  })
})
