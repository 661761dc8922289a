// A 360 px phone (issue 14, bugs 4 and 6): the top bar fits with a "99+" badge, for staff
// too, and an empty composer stays one line however long the peer's name is.
import { describe, expect, inject, it } from 'vitest'
import { usePeople } from './helpers/browser.ts'
import { composer, conversationReady, signUpNamed, uniqueWord } from './helpers/chat.ts'
import { openNodeChat, sessionCookie } from './helpers/node-chat.ts'
import { promoteToSuperuser } from './helpers/staff.ts'

const baseUrl = inject('baseUrl')
const persistTo = inject('persistTo')
const { person } = usePeople(baseUrl)
const PHONE = { viewport: { width: 360, height: 740 } }

describe('on a 360 px phone', () => {
  it('fits the top bar with a "99+" unread badge, with and without the Admin link', async () => {
    const family = uniqueWord('Narrow')
    const a = await person(PHONE)
    const b = await person()
    const [ada, bob] = await Promise.all([signUpNamed(a.context, 'Ada', family), signUpNamed(b.context, 'Bob', family)])
    const chat = await openNodeChat(baseUrl, await sessionCookie(baseUrl, bob), ada.user.id)
    try {
      // Paced under the send rate (20/s, CHAT_SENDS_PER_SECOND): 105 messages in about 6 s.
      for (let i = 0; i < 105; i++) {
        await chat.send(`number ${i}`)
        await new Promise((resolve) => setTimeout(resolve, 60))
      }
    } finally {
      chat.close()
    }

    const fits = async () => {
      await a.page.locator('.nav-badge').filter({ hasText: '99+' }).waitFor()
      const width = await a.page.evaluate(() => document.documentElement.scrollWidth)
      expect(width).toBeLessThanOrEqual(360)
      const settings = await a.page.getByRole('link', { name: 'Settings' }).boundingBox()
      expect(settings).not.toBeNull()
      expect(settings!.x + settings!.width).toBeLessThanOrEqual(360)
    }
    await a.page.goto('/')
    await fits()

    await promoteToSuperuser(persistTo, ada.email)
    await a.page.reload()
    await a.page.getByRole('link', { name: 'Admin' }).waitFor()
    await fits()
  })

  it('keeps an empty composer to one line when the peer has a long name', async () => {
    const family = uniqueWord('Featherstonehaugh-Wolfeschlegelsteinhausen')
    const a = await person(PHONE)
    const b = await person()
    const [, bob] = await Promise.all([
      signUpNamed(a.context, 'Ada', family),
      signUpNamed(b.context, 'Maximilianus Bartholomew Alexander', family),
    ])
    await a.page.goto(`/c/${bob.user.id}`)
    await conversationReady(a.page, bob.name)
    const box = composer(a.page)
    const oneLine = (await box.boundingBox())!.height
    expect(oneLine).toBeLessThan(56)

    // It still grows for what is typed, and shrinks back once that is sent or cleared.
    await box.fill('one\ntwo\nthree')
    await expect.poll(async () => (await box.boundingBox())!.height).toBeGreaterThan(oneLine * 1.5)
    await box.fill('')
    await box.press('Space')
    await box.press('Backspace')
    await expect.poll(async () => (await box.boundingBox())!.height).toBeLessThan(56)
  })
})
