// Right-to-left text (issue 14, bug 1): bodies, previews, quotes and the composer take their
// direction from their own first strong character, so Arabic and Hebrew read right to left
// with their punctuation at the right end, and Latin text beside them stays left to right.
import type { Locator } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import { usePeople } from './helpers/browser.ts'
import { composer, conversationReady, messageRow, sendMessage, signUpNamed, uniqueWord } from './helpers/chat.ts'

const baseUrl = inject('baseUrl')
const { person } = usePeople(baseUrl)

/** The direction the browser resolved for the element (`:dir()` follows `dir="auto"`). */
function direction(locator: Locator): Promise<string> {
  return locator.evaluate((el) => (el.matches(':dir(rtl)') ? 'rtl' : 'ltr'))
}

describe('right-to-left text', () => {
  it('lays out Arabic and Hebrew bodies, previews and drafts right to left, Latin ones left to right', async () => {
    const family = uniqueWord('Dir')
    const [a, b] = [await person(), await person()]
    const [ada, bob] = await Promise.all([signUpNamed(a.context, 'Ada', family), signUpNamed(b.context, 'Bob', family)])
    await a.page.goto(`/c/${bob.user.id}`)
    await b.page.goto(`/c/${ada.user.id}`)
    await Promise.all([conversationReady(a.page, bob.name), conversationReady(b.page, ada.name)])

    const arabic = `مرحبا يا بوب، كيف حالك؟ ${uniqueWord('x')}`
    const latin = `Hello Bob, this is Ada ${uniqueWord('y')}`
    await sendMessage(a.page, arabic)
    await sendMessage(a.page, latin)
    const body = (page: typeof a.page, text: string) => messageRow(page, text).locator('.msg-body')
    await body(b.page, latin).waitFor()
    for (const page of [a.page, b.page]) {
      expect(await direction(body(page, arabic))).toBe('rtl')
      expect(await direction(body(page, latin))).toBe('ltr')
    }

    // A draft in Hebrew with a Latin name inside it reads right to left as it is typed.
    await composer(b.page).fill('שלום Ada, מה שלומך?')
    expect(await direction(composer(b.page))).toBe('rtl')
    await composer(b.page).fill('')
    expect(await direction(composer(b.page))).toBe('ltr')

    // The chats list preview follows its own text, not the page's direction.
    const hebrew = `תודה רבה! ${uniqueWord('z')}`
    await sendMessage(b.page, hebrew)
    await a.page.goto('/')
    const preview = a.page.locator('.conv-preview bdi').filter({ hasText: hebrew.split(' ').at(-1)! })
    await preview.waitFor()
    expect(await direction(preview)).toBe('rtl')
  })
})
