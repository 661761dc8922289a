// URL-safe base64 (RFC 4648 §5) for byte arrays, strict on input so that every byte string has exactly one text form.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const ENCODE = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0))
const PAD = 0x3d // '='

// 0xff marks a character outside the alphabet; indexing by char code keeps decoding branch-light.
const DECODE = new Uint8Array(128).fill(0xff)
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i

const ascii = new TextDecoder()

export function encodeBase64Url(bytes: Uint8Array, { pad = true }: { pad?: boolean } = {}): string {
  const full = bytes.length - (bytes.length % 3)
  const tail = bytes.length - full
  const outLength = (full / 3) * 4 + (tail === 0 ? 0 : pad ? 4 : tail + 1)
  const out = new Uint8Array(outLength)
  let o = 0
  for (let i = 0; i < full; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out[o++] = ENCODE[n >>> 18]!
    out[o++] = ENCODE[(n >>> 12) & 63]!
    out[o++] = ENCODE[(n >>> 6) & 63]!
    out[o++] = ENCODE[n & 63]!
  }
  if (tail === 1) {
    const n = bytes[full]!
    out[o++] = ENCODE[n >>> 2]!
    out[o++] = ENCODE[(n & 3) << 4]!
    if (pad) {
      out[o++] = PAD
      out[o++] = PAD
    }
  } else if (tail === 2) {
    const n = (bytes[full]! << 8) | bytes[full + 1]!
    out[o++] = ENCODE[n >>> 10]!
    out[o++] = ENCODE[(n >>> 4) & 63]!
    out[o++] = ENCODE[(n & 15) << 2]!
    if (pad) out[o++] = PAD
  }
  return ascii.decode(out)
}

export type Base64UrlPadding = 'required' | 'forbidden' | 'optional'

/**
 * Null when `text` is not canonical base64url: a character outside the alphabet (no whitespace, no '+' or '/'),
 * padding that is wrong or not allowed, an impossible length, or non-zero leftover bits in the last character.
 * Rejecting the last case matters for MACed formats: otherwise a token has several spellings of the same bytes.
 */
export function decodeBase64Url(
  text: string,
  { padding = 'required' }: { padding?: Base64UrlPadding } = {},
): Uint8Array<ArrayBuffer> | null {
  let end = text.length
  if (end > 0 && text.charCodeAt(end - 1) === PAD) {
    if (padding === 'forbidden' || end % 4 !== 0) return null
    end--
    if (text.charCodeAt(end - 1) === PAD) end--
  } else if (padding === 'required' && end % 4 !== 0) {
    return null
  }
  const tail = end % 4
  if (tail === 1) return null
  const full = end - tail
  const out = new Uint8Array((full / 4) * 3 + (tail === 0 ? 0 : tail - 1))
  let o = 0
  for (let i = 0; i < full; i += 4) {
    const a = sextet(text, i)
    const b = sextet(text, i + 1)
    const c = sextet(text, i + 2)
    const d = sextet(text, i + 3)
    // Any invalid sextet is 0xff, which sets a bit above 63 and so survives the OR.
    if ((a | b | c | d) > 63) return null
    const n = (a << 18) | (b << 12) | (c << 6) | d
    out[o++] = n >>> 16
    out[o++] = (n >>> 8) & 0xff
    out[o++] = n & 0xff
  }
  if (tail === 2) {
    const a = sextet(text, full)
    const b = sextet(text, full + 1)
    if ((a | b) > 63 || (b & 15) !== 0) return null
    out[o] = (a << 2) | (b >>> 4)
  } else if (tail === 3) {
    const a = sextet(text, full)
    const b = sextet(text, full + 1)
    const c = sextet(text, full + 2)
    if ((a | b | c) > 63 || (c & 3) !== 0) return null
    out[o++] = (a << 2) | (b >>> 4)
    out[o] = ((b & 15) << 4) | (c >>> 2)
  }
  return out
}

function sextet(text: string, i: number): number {
  const code = text.charCodeAt(i)
  return code < 128 ? DECODE[code]! : 0xff
}
