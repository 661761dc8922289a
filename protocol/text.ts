// Text rules the contract states in Unicode code points, not UTF-16 units.

export function codePointLength(text: string): number {
  let n = 0
  for (const _ of text) n++
  return n
}

/** The first `max` code points of `text`; never splits a surrogate pair. */
export function cutCodePoints(text: string, max: number): string {
  let out = ''
  let n = 0
  for (const ch of text) {
    if (n++ >= max) break
    out += ch
  }
  return out
}

// In Unicode-aware mode a lone surrogate is a code point of category Cs; a pair is not.
const LONE_SURROGATE = /\p{Cs}/u

/**
 * False when `text` holds a lone surrogate (half of a UTF-16 pair): storage and UTF-8
 * turn it into U+FFFD, so what was accepted would not be what is kept.
 */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text)
}

/** `U+202E`: how a message names a character a person may not be able to see. */
export function codePointLabel(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`
}

// Cc: controls; Cf: format characters, the invisible ones (U+200B..U+200F, U+00AD,
// U+2060..U+2064, U+FEFF, tags) and every bidi control (U+061C, U+202A..U+202E,
// U+2066..U+2069); Zl, Zp: line and paragraph separators.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu

/** The first control, invisible format or bidi-control character in `text` not in `allowed`, or null. */
export function firstInvisible(text: string, allowed: ReadonlySet<string> = new Set()): string | null {
  for (const [ch] of text.matchAll(INVISIBLE)) if (!allowed.has(ch)) return ch
  return null
}
