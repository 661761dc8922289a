import { describe, expect, it } from 'vitest'
import { isEmojiOnly, messageParts } from '../../client/src/chat/message-text.ts'

const links = (body: string) => messageParts(body).filter((p) => p.kind === 'link')

describe('links in a message', () => {
  it('finds http, https and www links and keeps every character of the body', () => {
    const body = 'See https://example.com/a?b=1#c and www.parley.test/x, or http://localhost:8787/.'
    const parts = messageParts(body)
    expect(parts.map((p) => p.text).join('')).toBe(body)
    expect(links(body)).toEqual([
      { kind: 'link', text: 'https://example.com/a?b=1#c', href: 'https://example.com/a?b=1#c' },
      { kind: 'link', text: 'www.parley.test/x', href: 'https://www.parley.test/x' },
      { kind: 'link', text: 'http://localhost:8787/', href: 'http://localhost:8787/' },
    ])
  })

  it('leaves out the punctuation that ends a sentence, but keeps a bracket the link opened', () => {
    expect(links('(see https://example.com/page).').map((p) => p.text)).toEqual(['https://example.com/page'])
    expect(links('https://en.wikipedia.org/wiki/Fernet_(disambiguation)!').map((p) => p.text)).toEqual([
      'https://en.wikipedia.org/wiki/Fernet_(disambiguation)',
    ])
    expect(links('“https://example.com”').map((p) => p.text)).toEqual(['https://example.com'])
  })

  it('never makes a link of other schemes, markup or a bare word', () => {
    for (const body of [
      'javascript:alert(1)',
      'data:text/html,<b>x</b>',
      '<a href="https://example.com">x</a> is text',
      'http://nodot/',
      'plain words',
    ]) {
      const found = links(body)
      for (const link of found) expect(link.href.startsWith('https://example.com')).toBe(true)
      expect(
        messageParts(body)
          .map((p) => p.text)
          .join(''),
      ).toBe(body)
    }
    expect(links('javascript:alert(1)')).toEqual([])
    expect(links('http://nodot/')).toEqual([])
  })
})

describe('emoji-only messages', () => {
  it('counts one to three emoji alone, sequences as one', () => {
    for (const body of ['👍', ' ❤️ ', '😂😂😂', '👩🏽‍💻', '🇫🇷', '👨‍👩‍👧‍👦 🎉', '1️⃣'])
      expect(isEmojiOnly(body), body).toBe(true)
  })

  it('is false for text, numbers, four or more emoji, or nothing', () => {
    for (const body of ['ok 👍', '123', '#', '😂😂😂😂', '', '   ', 'a']) expect(isEmojiOnly(body), body).toBe(false)
  })
})
