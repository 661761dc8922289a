// Plain-language lines for audit entries. Name values in `changes` are Fernet tokens, never
// shown: "(encrypted)" says a name changed without pretending to know to what.
import type { AuditEntry } from './admin-api.ts'

const ACTIONS: Record<string, string> = {
  'user.update': 'Edited user',
  'user.create-superuser': 'Created superuser',
  'user.promote-superuser': 'Promoted to superuser',
  'conversation.view-messages': 'Viewed stored messages',
}

const FIELDS: Record<string, string> = {
  firstName: 'First name',
  lastName: 'Last name',
  isActive: 'Active',
  isStaff: 'Staff',
  isSuperuser: 'Superuser',
}

const ENCRYPTED = new Set(['firstName', 'lastName'])

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function show(field: string, value: unknown): string {
  if (ENCRYPTED.has(field)) return '(encrypted)'
  if (value === true) return 'yes'
  if (value === false) return 'no'
  if (value === null || value === undefined) return '—'
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** The headline: "Deactivated", "Reactivated", … when one flag says it all. */
export function describeAction(entry: AuditEntry): string {
  const changes = isRecord(entry.changes) ? entry.changes : {}
  if (entry.action === 'user.update') {
    const active = changes.isActive
    const staff = changes.isStaff
    const parts: string[] = []
    if (isRecord(active)) parts.push(active.to === false ? 'Deactivated' : 'Reactivated')
    if (isRecord(staff)) parts.push(staff.to === true ? 'Made staff' : 'Removed staff role')
    if ('firstName' in changes || 'lastName' in changes) parts.push('Renamed')
    if (parts.length > 0) return parts.join(', ')
    return 'Saved without changes'
  }
  return ACTIONS[entry.action] ?? entry.action
}

/** One line per recorded change, e.g. "Active: yes → no". */
export function describeChanges(entry: AuditEntry): string[] {
  if (!isRecord(entry.changes)) return []
  if (entry.action === 'conversation.view-messages') {
    const { returned, before } = entry.changes
    const count = typeof returned === 'number' ? `${returned} message${returned === 1 ? '' : 's'} shown` : null
    const where = typeof before === 'number' ? `older than #${before}` : 'newest first'
    return count ? [`${count}, ${where}`] : []
  }
  return Object.entries(entry.changes).flatMap(([field, value]) => {
    const label = FIELDS[field]
    if (isRecord(value) && 'to' in value) {
      return [`${label ?? field}: ${show(field, value.from)} → ${show(field, value.to)}`]
    }
    // Flat facts such as { via: "createsuperuser" } from the command line.
    if (field === 'via') return [`Via ${show(field, value)}`]
    return [`${label ?? field}: ${show(field, value)}`]
  })
}
