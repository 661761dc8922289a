// Finding people (issue 14): results appear as one types the start of a name, and a person
// who gave no name is shown by their email once, in results and in the conversation header.
import { describe, expect, inject, it } from 'vitest'
import { usePeople } from './helpers/browser.ts'
import { conversationReady, signUpNamed, uniqueWord } from './helpers/chat.ts'

const baseUrl = inject('baseUrl')
const { person } = usePeople(baseUrl)

describe('finding people', () => {
  it('finds someone by the starts of their names as they are typed, never by the middle of one', async () => {
    const family = uniqueWord('Lovelace')
    const [a, b] = [await person(), await person()]
    const [, ada] = await Promise.all([
      signUpNamed(a.context, 'Bob', uniqueWord('Seeker')),
      signUpNamed(b.context, 'Augusta', family),
    ])
    await a.page.goto('/')
    await a.page.getByRole('button', { name: 'New conversation' }).click()
    const box = a.page.getByRole('searchbox', { name: 'Find people' })
    const results = a.page.getByRole('list', { name: 'People found' })
    await box.pressSequentially(`aug ${family.slice(0, 5)}`, { delay: 30 })
    await results.getByRole('link', { name: new RegExp(ada.name) }).waitFor()
    await box.fill(family.slice(2))
    await a.page.getByText(`No one found for “${family.slice(2)}”.`).waitFor()
  })

  it('shows a person with no name by their email once, in results and in the conversation header', async () => {
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
