// Parse function for the admin user edit: exactly the fields staff may change.
import { nameProblem, normalizeName } from '../../protocol/account-rules.ts'
import { asObject, notAnObject, type Parsed, unknownFields } from '../http/body.ts'

export interface AdminUserPatch {
  firstName?: string
  lastName?: string
  isActive?: boolean
  isStaff?: boolean
}

export const ADMIN_EDITABLE = ['firstName', 'lastName', 'isActive', 'isStaff'] as const

export function parseAdminUserPatch(raw: unknown): Parsed<AdminUserPatch> {
  const obj = asObject(raw)
  if (!obj) return notAnObject()
  const errors = unknownFields(obj, ADMIN_EDITABLE)
  const patch: AdminUserPatch = {}
  for (const key of ['firstName', 'lastName'] as const) {
    const v = obj[key]
    if (v === undefined) continue
    if (typeof v !== 'string') errors[key] = 'A name must be text.'
    else {
      // The same rules as a user's own edit (CONTRACT.md: Accounts).
      const name = normalizeName(v)
      const problem = nameProblem(name)
      if (problem) errors[key] = problem
      else patch[key] = name
    }
  }
  for (const key of ['isActive', 'isStaff'] as const) {
    const v = obj[key]
    if (v === undefined) continue
    if (typeof v !== 'boolean') errors[key] = `"${key}" must be true or false.`
    else patch[key] = v
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value: patch }
}
