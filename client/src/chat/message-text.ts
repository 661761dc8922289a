// How a message body is shown: its links found (never HTML: the parts become text nodes and
// anchors), and whether it is a few emoji alone, shown larger as people know from other
// messengers. Pure, so Node tests check the rules.

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string }

// A link starts with http(s):// or www. and runs to whitespace; what ends a sentence
// around it (closing punctuation, quotes) is not part of it.
const LINK = /\b(?:https?:\/\/|www\.)[^\s<>"]+/giu
const TRAILING = /[.,;:!?'"’”»)\]}]+$/u

/** Splits a body into text and links, in order; joined, the parts' texts are the body. */
export function messageParts(body: string): TextPart[] {
  const parts: TextPart[] = []
  let last = 0
  for (const match of body.matchAll(LINK)) {
    let text = match[0]
    const start = match.index
    // Keep a closing bracket that the link itself opened, as in Wikipedia URLs.
    let trailing = TRAILING.exec(text)?.[0] ?? ''
    while (trailing.startsWith(')') && balance(text.slice(0, text.length - trailing.length), '(', ')') > 0) {
      trailing = trailing.slice(1)
    }
    text = text.slice(0, text.length - trailing.length)
    const href = hrefOf(text)
    if (!href) continue
    if (start > last) parts.push({ kind: 'text', text: body.slice(last, start) })
    parts.push({ kind: 'link', text, href })
    last = start + text.length
  }
  if (last < body.length) parts.push({ kind: 'text', text: body.slice(last) })
  return parts
}

function balance(text: string, open: string, close: string): number {
  let n = 0
  for (const ch of text) n += ch === open ? 1 : ch === close ? -1 : 0
  return n
}

/** Only http and https links, and only to a real host: never javascript: or data:. */
function hrefOf(text: string): string | null {
  try {
    const url = new URL(/^www\./i.test(text) ? `https://${text}` : text)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
    if (!url.hostname.includes('.') && url.hostname !== 'localhost') return null
    return url.href
  } catch {
    return null
  }
}

/** At most this many emoji alone are shown larger; more read as a line of text. */
export const MAX_BIG_EMOJI = 3

const segmenter = typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter() : null
const EMOJI = /^(?:\p{Extended_Pictographic}|\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3)/u
const EMOJI_PARTS =
  /^(?:[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}#*0-9]|\u200D|\uFE0F|\u20E3)+$/u

/** True for a body of one to three emoji (flags, skin tones and ZWJ sequences count as one), spaces aside. */
export function isEmojiOnly(body: string): boolean {
  const compact = body.replace(/\s+/gu, '')
  if (compact === '' || !segmenter) return false
  let count = 0
  for (const { segment } of segmenter.segment(compact)) {
    if (!EMOJI.test(segment) || !EMOJI_PARTS.test(segment)) return false
    if (++count > MAX_BIG_EMOJI) return false
  }
  return true
}
