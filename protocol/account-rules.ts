// Account rules from CONTRACT.md (Accounts), shared so the client can say the same thing
// before the server does. The server is the authority.
import { MAX_EMAIL_CHARS, MAX_NAME_CHARS, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS } from './api.ts'
import { COMMON_PASSWORDS } from './common-passwords.ts'
import { codePointLabel, codePointLength, firstInvisible, isWellFormedText } from './text.ts'

/**
 * NFKC folds compatibility forms (fullwidth ａｌｉｃｅ＠… is alice@…), then case is folded:
 * one address has one spelling, so a lookalike of a registered email finds it taken.
 * Login uses the same function, so either spelling signs in.
 */
export function normalizeEmail(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase()
}

/** Names are stored as typed, composed (NFC), so é typed either way is one name. */
export function normalizeName(raw: string): string {
  return raw.normalize('NFC').trim()
}

const BROKEN_TEXT = 'contains a broken character (an unpaired surrogate); type it again.'

const LATIN = /\p{Script=Latin}/u
const LOOKALIKE_SCRIPTS = /[\p{Script=Cyrillic}\p{Script=Greek}]/u

/** A local part or domain label mixing Latin with Cyrillic or Greek letters (раypal: Cyrillic р, а). */
function mixesScripts(part: string): boolean {
  return LATIN.test(part) && LOOKALIKE_SCRIPTS.test(part)
}

/** Why a normalised email is refused, or null when it is acceptable. */
export function emailProblem(email: string): string | null {
  if (email.length === 0) return 'Enter your email address.'
  if (codePointLength(email) > MAX_EMAIL_CHARS) return `An email address has at most ${MAX_EMAIL_CHARS} characters.`
  if (!isWellFormedText(email)) return `The email address ${BROKEN_TEXT}`
  const invisible = firstInvisible(email)
  if (invisible) {
    return `An email address cannot contain invisible, control or text-direction characters; remove ${codePointLabel(invisible)}.`
  }
  if (/\s/u.test(email)) return 'An email address cannot contain spaces.'
  const parts = email.split('@')
  if (parts.length !== 2) return 'An email address has exactly one @.'
  const [local, domain] = parts as [string, string]
  if (local.length === 0) return 'Enter the part of the address before the @.'
  if (!domain.includes('.')) return 'Enter a full domain after the @, like example.com.'
  if ([local, ...domain.split('.')].some(mixesScripts)) {
    return 'An email address cannot mix Latin letters with Cyrillic or Greek ones in one part; check for a letter typed in another alphabet.'
  }
  return null
}

/** Why a password is refused for this (normalised) email, or null when it is acceptable. */
export function passwordProblem(password: string, email: string): string | null {
  const length = codePointLength(password)
  if (length < MIN_PASSWORD_CHARS) return `Use at least ${MIN_PASSWORD_CHARS} characters.`
  if (length > MAX_PASSWORD_CHARS) return `Use at most ${MAX_PASSWORD_CHARS} characters.`
  const lower = password.toLowerCase()
  if (COMMON_PASSWORDS.has(lower)) return 'This password is too common. Choose one that is harder to guess.'
  const local = email.split('@')[0] ?? ''
  if (local.length > 0 && lower === local) return 'Your password cannot be the first part of your email address.'
  return null
}

/** Joiners that emoji sequences (👩‍💻) and Persian and Indic spellings need. */
const NAME_JOINERS: ReadonlySet<string> = new Set(['\u200c', '\u200d'])
/** Subdivision flags (🏴 + tag letters + cancel tag): the only place tag characters belong in a name. */
const FLAG_TAG_SEQUENCE = /\u{1F3F4}[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{1,6}\u{E007F}/gu

/**
 * Why a name is refused, or null when it is acceptable (names are normalised first).
 * Bidi controls would let a name reverse the text around it (U+202E), and invisible
 * characters make two different names look the same.
 */
export function nameProblem(name: string): string | null {
  if (codePointLength(name) > MAX_NAME_CHARS) return `A name has at most ${MAX_NAME_CHARS} characters.`
  if (!isWellFormedText(name)) return `The name ${BROKEN_TEXT}`
  const invisible = firstInvisible(name.replace(FLAG_TAG_SEQUENCE, ''), NAME_JOINERS)
  if (invisible === null) return null
  if (/[\n\r\u2028\u2029]/u.test(invisible)) return 'A name cannot contain line breaks.'
  return `A name cannot contain invisible, control or text-direction characters; remove ${codePointLabel(invisible)}.`
}
