// Deleting an account in Chromium (CONTRACT.md: Deleting an account), two people in two
// contexts: Ada deletes her account from Settings behind her password and a question that
// says what happens; she lands on sign-in with a message; Bob, in the open conversation,
// sees "Deleted account", her messages as deleted, and no composer.
import { describe, expect, inject, it } from 'vitest'
import { signInWithForm } from './helpers/accounts.ts'
import { describeViolations, screenshotWidths, seriousA11yViolations, usePeople } from './helpers/browser.ts'
import { composer, messageRow, sendMessage, talkingPair } from './helpers/chat.ts'

const baseUrl = inject('baseUrl')
const { person } = usePeople(baseUrl)

describe('deleting my account', () => {
  it('deletes it from Settings behind the password and a confirmation; the peer sees a deleted account', async () => {
    const { a, b, ada } = await talkingPair(person, { family: 'Gone' })
    await sendMessage(a.page, 'Goodbye from Ada')
    await messageRow(b.page, 'Goodbye from Ada').waitFor()
    await sendMessage(b.page, 'Bob stays')

    await a.page.goto('/settings')
    const section = a.page.getByRole('region', { name: 'Delete account' })
    // A wrong password is refused at the field, after the question.
    await section.getByLabel('Your password').fill(`${ada.password}-wrong`)
    await section.getByRole('button', { name: 'Delete account…' }).click()
    const dialog = a.page.getByRole('dialog', { name: 'Delete your account?' })
    await dialog.waitFor()
    await dialog.getByRole('button', { name: 'Delete my account' }).click()
    await section.getByText('Your password is not correct.').waitFor()

    await section.getByLabel('Your password').fill(ada.password)
    await section.getByRole('button', { name: 'Delete account…' }).click()
    await dialog.waitFor()
    const text = (await dialog.textContent()) ?? ''
    for (const said of [
      'cannot be undone',
      'signed out on every device',
      'Every message you sent is deleted',
      'photos and files',
      'reactions',
      'Deleted account',
      'notifications, blocks and push subscriptions',
      'email address can be used to register again',
    ]) {
      expect(text).toContain(said)
    }
    const violations = await seriousA11yViolations(a.page)
    expect(violations, describeViolations(violations)).toEqual([])
    await screenshotWidths(a.page, 'delete-account-question')
    // Cancel keeps everything; Escape would too.
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await section.getByRole('button', { name: 'Delete account…' }).click()
    await dialog.getByRole('button', { name: 'Delete my account' }).click()

    await a.page.waitForURL(`${baseUrl}/signin`)
    await a.page.getByRole('status').filter({ hasText: 'Your account was deleted.' }).waitFor()
    // The old email and password no longer sign in.
    await a.page.getByLabel('Email', { exact: true }).fill(ada.email)
    await a.page.getByLabel('Password', { exact: true }).fill(ada.password)
    await a.page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await a.page.getByRole('alert').filter({ hasText: 'The email or password is not correct.' }).waitFor()

    // Bob, still in the conversation: live, with no reload.
    await b.page.getByRole('heading', { level: 2, name: 'Deleted account' }).waitFor()
    await b.page.getByText('This account was deleted. You can read the conversation but not reply.').waitFor()
    expect(await composer(b.page).count()).toBe(0)
    await expect.poll(() => messageRow(b.page, 'Goodbye from Ada').count()).toBe(0)
    await b.page.locator('.log .msg .msg-deleted').first().waitFor()
    await messageRow(b.page, 'Bob stays').waitFor()
    expect(await b.page.locator('.conv-header').textContent()).not.toContain(ada.email)
    const peerViolations = await seriousA11yViolations(b.page)
    expect(peerViolations, describeViolations(peerViolations)).toEqual([])
    await screenshotWidths(b.page, 'deleted-peer')
    await b.page.setViewportSize({ width: 360, height: 740 })
    expect(await b.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    await b.page.setViewportSize({ width: 1280, height: 800 })

    // The chats list names the deleted account, and so does a fresh load.
    await b.page.goto('/')
    const item = b.page.locator(`[data-peer="${ada.user.id}"]`)
    await expect.poll(() => item.locator('.conv-name').textContent()).toBe('Deleted account')
    await b.page.goto(`/c/${ada.user.id}`)
    await b.page.getByRole('heading', { level: 2, name: 'Deleted account' }).waitFor()
    expect(await composer(b.page).count()).toBe(0)

    // The email can be registered again, as a new person.
    const again = await a.context.request.post('/api/auth/register', {
      data: { email: ada.email, password: ada.password, firstName: 'Ada' },
    })
    expect(again.status()).toBe(201)
    await a.context.request.post('/api/auth/logout')
    await signInWithForm(a.page, ada)
  })
})
