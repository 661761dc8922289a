// How message text is shown (issue 14). Right-to-left text (bug 1): bodies, previews, quotes
// and the composer take their direction from their own first strong character, so Arabic
// and Hebrew read right to left with their punctuation at the right end, and Latin text
// beside them stays left to right. Links are clickable, markup stays text, and a few emoji
// alone show larger.
import type { Locator } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import { usePeople } from './helpers/browser.ts'
import { composer, messageRow, sendMessage, talkingPair, uniqueWord } from './helpers/chat.ts'

const baseUrl = inject('baseUrl')
const { person } = usePeople(baseUrl)

/** The direction the browser resolved for the element (`:dir()` follows `dir="auto"`). */
function direction(locator: Locator): Promise<string> {
  return locator.evaluate((el) => (el.matches(':dir(rtl)') ? 'rtl' : 'ltr'))
}

describe('message text', () => {
  it('lays out Arabic and Hebrew bodies, previews and drafts right to left, Latin ones left to right', async () => {
    const { a, b } = await talkingPair(person, { family: 'Dir' })

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

  it('makes links clickable in a new tab without a referrer, shows markup as text and a few emoji larger', async () => {
    const { a, b } = await talkingPair(person, { family: 'Links' })

    const word = uniqueWord('w')
    await sendMessage(a.page, `Docs at https://example.com/docs?x=1 (${word}).`)
    await sendMessage(a.page, `<b>${word}</b> <img src=x onerror=alert(1)>`)
    await sendMessage(a.page, '👍🎉')
    await messageRow(b.page, '👍🎉').waitFor()

    const link = messageRow(b.page, word).first().getByRole('link', { name: 'https://example.com/docs?x=1' })
    expect(await link.getAttribute('href')).toBe('https://example.com/docs?x=1')
    expect(await link.getAttribute('target')).toBe('_blank')
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer')

    const markup = messageRow(b.page, `<b>${word}</b>`).locator('.msg-body')
    expect(await markup.textContent()).toBe(`<b>${word}</b> <img src=x onerror=alert(1)>`)
    expect(await markup.locator('b, img').count()).toBe(0)

    const size = (text: string) =>
      messageRow(b.page, text)
        .locator('.msg-body')
        .evaluate((el) => Number.parseFloat(getComputedStyle(el).fontSize))
    expect(await size('👍🎉')).toBeGreaterThan((await size(`<b>${word}</b>`)) * 1.5)
  })
})
