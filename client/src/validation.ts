// Client-side mirror of the account rules, for instant feedback; the server has the last word
// (it alone knows the common-password list, so a weak password is its message, not ours).

import { emailProblem, nameProblem, normalizeEmail } from '../../protocol/account-rules.ts'
import { MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS } from '../../protocol/api.ts'
import { codePointLength } from '../../protocol/text.ts'

export function checkEmail(raw: string): string | undefined {
  return emailProblem(normalizeEmail(raw)) ?? undefined
}

export function checkNewPassword(password: string): string | undefined {
  const length = codePointLength(password)
  if (length === 0) return 'Choose a password.'
  if (length < MIN_PASSWORD_CHARS) return `Use at least ${MIN_PASSWORD_CHARS} characters.`
  if (length > MAX_PASSWORD_CHARS) return `Use at most ${MAX_PASSWORD_CHARS} characters.`
  return undefined
}

export function checkName(raw: string): string | undefined {
  return nameProblem(raw.trim()) ?? undefined
}

export function checkPresent(value: string, message: string): string | undefined {
  return value.length === 0 ? message : undefined
}
