// Account rules from CONTRACT.md (Accounts), shared so the client can say the same thing
// before the server does. The server is the authority.
import { MAX_EMAIL_CHARS, MAX_NAME_CHARS, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS } from './api.ts'
import { COMMON_PASSWORDS } from './common-passwords.ts'
import { codePointLength } from './text.ts'

export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase()
}

/** Why a normalised email is refused, or null when it is acceptable. */
export function emailProblem(email: string): string | null {
  if (email.length === 0) return 'Enter your email address.'
  if (codePointLength(email) > MAX_EMAIL_CHARS) return `An email address has at most ${MAX_EMAIL_CHARS} characters.`
  if (/\s/u.test(email)) return 'An email address cannot contain spaces.'
  const parts = email.split('@')
  if (parts.length !== 2) return 'An email address has exactly one @.'
  const [local, domain] = parts as [string, string]
  if (local.length === 0) return 'Enter the part of the address before the @.'
  if (!domain.includes('.')) return 'Enter a full domain after the @, like example.com.'
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/u.test(email)) return 'An email address cannot contain control characters.'
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

/** Why a name is refused, or null when it is acceptable (names are trimmed first). */
export function nameProblem(name: string): string | null {
  if (codePointLength(name) > MAX_NAME_CHARS) return `A name has at most ${MAX_NAME_CHARS} characters.`
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/u.test(name)) return 'A name cannot contain line breaks or control characters.'
  return null
}
