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
