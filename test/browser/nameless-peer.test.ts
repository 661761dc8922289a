// A person who gave no name is shown by their email, once (issue 14): in search results and
// in the conversation header, not as name and again as the line under it.
import { describe, expect, inject, it } from 'vitest'
import { usePeople } from './helpers/browser.ts'
import { conversationReady, signUpNamed, uniqueWord } from './helpers/chat.ts'

const baseUrl = inject('baseUrl')
const { person } = usePeople(baseUrl)

describe('a person with no name', () => {
  it('is shown by their email once in search results and in the conversation header', async () => {
    const [a, b] = [await person(), await person()]
    const [, nameless] = await Promise.all([
      signUpNamed(a.context, 'Ada', uniqueWord('Named')),
      signUpNamed(b.context, '', ''),
    ])
    await a.page.goto('/')
    await a.page.getByRole('button', { name: 'New conversation' }).click()
    await a.page.getByRole('searchbox', { name: 'Find people' }).fill(nameless.email)
    const result = a.page.getByRole('list', { name: 'People found' }).getByRole('listitem')
    await result.getByText(nameless.email).first().waitFor()
    const shown = (text: string) => text.split(nameless.email).length - 1
    expect(shown((await result.textContent()) ?? '')).toBe(1)

    await result.getByRole('link').click()
    await conversationReady(a.page, nameless.email)
    const header = a.page.locator('.conv-header-text')
    expect(shown((await header.textContent()) ?? '')).toBe(1)
  })
})
