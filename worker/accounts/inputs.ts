// Parse functions for account request bodies: unknown JSON in, typed values or field errors out.
import {
  emailProblem,
  nameProblem,
  normalizeEmail,
  normalizeName,
  passwordProblem,
} from '../../protocol/account-rules.ts'
import { asObject, notAnObject, type Parsed, unknownFields } from '../http/body.ts'

export interface RegisterInput {
  email: string
  password: string
  firstName: string
  lastName: string
}

export interface LoginInput {
  email: string
  password: string
}

export interface ProfilePatch {
  firstName?: string
  lastName?: string
  readReceipts?: boolean
}

export interface PasswordChange {
  currentPassword: string
  newPassword: string
}

function finish<T>(errors: Record<string, string>, value: T): Parsed<T> {
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value }
}

function optionalName(obj: Record<string, unknown>, key: string, errors: Record<string, string>): string | undefined {
  const raw = obj[key]
  if (raw === undefined) return undefined
  if (typeof raw !== 'string') {
    errors[key] = 'A name must be text.'
    return undefined
  }
  const name = normalizeName(raw)
  const problem = nameProblem(name)
  if (problem) errors[key] = problem
  return name
}

// Register and login ignore fields they do not know (only these are ever read, so nothing
// like isStaff can be smuggled in); PATCH routes refuse them, as the contract says.
export function parseRegister(raw: unknown): Parsed<RegisterInput> {
  const obj = asObject(raw)
  if (!obj) return notAnObject()
  const errors: Record<string, string> = {}
  const email = typeof obj.email === 'string' ? normalizeEmail(obj.email) : ''
  const emailError = typeof obj.email === 'string' ? emailProblem(email) : 'Enter your email address.'
  if (emailError) errors.email = emailError
  if (typeof obj.password !== 'string') errors.password = 'Choose a password.'
  else {
    const problem = passwordProblem(obj.password, email)
    if (problem) errors.password = problem
  }
  const firstName = optionalName(obj, 'firstName', errors) ?? ''
  const lastName = optionalName(obj, 'lastName', errors) ?? ''
  return finish(errors, { email, password: obj.password as string, firstName, lastName })
}

export function parseLogin(raw: unknown): Parsed<LoginInput> {
  const obj = asObject(raw)
  if (!obj) return notAnObject()
  const errors: Record<string, string> = {}
  if (typeof obj.email !== 'string' || obj.email.trim() === '') errors.email = 'Enter your email address.'
  if (typeof obj.password !== 'string' || obj.password === '') errors.password = 'Enter your password.'
  return finish(errors, { email: normalizeEmail(String(obj.email ?? '')), password: obj.password as string })
}

export function parseProfilePatch(raw: unknown): Parsed<ProfilePatch> {
  const obj = asObject(raw)
  if (!obj) return notAnObject()
  const errors = unknownFields(obj, ['firstName', 'lastName', 'readReceipts'])
  const patch: ProfilePatch = {}
  const firstName = optionalName(obj, 'firstName', errors)
  const lastName = optionalName(obj, 'lastName', errors)
  if (firstName !== undefined) patch.firstName = firstName
  if (lastName !== undefined) patch.lastName = lastName
  if (obj.readReceipts !== undefined) {
    if (typeof obj.readReceipts === 'boolean') patch.readReceipts = obj.readReceipts
    else errors.readReceipts = 'Read receipts are either on (true) or off (false).'
  }
  return finish(errors, patch)
}

/** The email is needed to check the new password against its local part. */
export function parsePasswordChange(raw: unknown, email: string): Parsed<PasswordChange> {
  const obj = asObject(raw)
  if (!obj) return notAnObject()
  const errors = unknownFields(obj, ['currentPassword', 'newPassword'])
  if (typeof obj.currentPassword !== 'string' || obj.currentPassword === '')
    errors.currentPassword = 'Enter your current password.'
  if (typeof obj.newPassword !== 'string') errors.newPassword = 'Choose a new password.'
  else {
    const problem = passwordProblem(obj.newPassword, email)
    if (problem) errors.newPassword = problem
    // Otherwise it would "change" nothing yet sign out every other device.
    else if (obj.newPassword === obj.currentPassword)
      errors.newPassword = 'The new password is the same as your current one. Choose a different one.'
  }
  return finish(errors, { currentPassword: obj.currentPassword as string, newPassword: obj.newPassword as string })
}
