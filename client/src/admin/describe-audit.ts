// Plain-language lines for audit entries. Name values in `changes` are Fernet tokens, never
// shown: the Worker decrypts them for staff into `names` ("Changed first name from Ann to
// Anna"); a token no key opens says only that the name changed ("Changed first name").
import type { AuditEntry, AuditNameChange, AuditNames } from '../../../protocol/admin-audit.ts'

const ACTIONS: Record<string, string> = {
  'user.update': 'Edited user',
  'user.create-superuser': 'Created superuser',
  'user.promote-superuser': 'Promoted to superuser',
  'conversation.view-messages': 'Viewed stored messages',
  'keys.reencrypt': 'Started re-encryption with the primary key',
  'keys.reencrypt-done': 'Re-encryption finished',
  // A member's own act (CONTRACT.md: Blocking): the actor blocked the target user.
  'user.block': 'Blocked user',
  'user.unblock': 'Unblocked user',
  'account.export': 'Downloaded their data',
  // The member deleted their own account (CONTRACT.md: Deleting an account); no names are kept.
  'account.delete': 'Deleted their account',
  'retention.purge': 'Destroyed expired messages',
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

/** Who acted when no person did: the retention policy, or the command line (createsuperuser). */
export function describeNoActor(entry: AuditEntry): string {
  return entry.action === 'retention.purge' ? 'Retention policy' : 'Command line'
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
    // A write that changes nothing is not audited, so an empty entry had its names erased.
    return 'Renamed'
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
  if (entry.action === 'retention.purge') {
    const { messages, files, before } = entry.changes
    const n = (count: unknown, one: string) =>
      typeof count === 'number' ? `${count.toLocaleString()} ${one}${count === 1 ? '' : 's'}` : null
    const gone = [n(messages, 'message'), n(files, 'attachment')].filter((p) => p !== null).join(' and ')
    const when = typeof before === 'string' ? ` sent before ${new Date(before).toLocaleString()}` : ''
    return gone ? [`${gone}${when}, by the retention policy`] : []
  }
  if (entry.action === 'account.export') {
    const { conversations } = entry.changes
    if (typeof conversations !== 'number') return []
    return [`${conversations.toLocaleString()} conversation${conversations === 1 ? '' : 's'} exported`]
  }
  if (entry.action === 'keys.reencrypt' || entry.action === 'keys.reencrypt-done') return describeKeys(entry.changes)
  if (entry.action === 'user.update') return describeUserUpdate(entry.changes, entry.names ?? {})
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

/**
 * A staff edit in words: "Changed first name from Ann to Anna", "Deactivated the account".
 * Deleting the account strips the names (db/account-deletion.ts); an entry left with nothing
 * was a rename, since a write that changes nothing is not audited.
 */
function describeUserUpdate(changes: Record<string, unknown>, names: AuditNames): string[] {
  const fields = Object.entries(changes)
  if (fields.length === 0) return ['Changed the name (erased when the account was deleted)']
  return fields.map(([field, value]) => {
    if (field === 'firstName' || field === 'lastName') return describeRename(NAME_LABELS[field], names[field])
    const to = isRecord(value) ? value.to : undefined
    if (field === 'isActive' && typeof to === 'boolean')
      return to ? 'Reactivated the account' : 'Deactivated the account'
    if (field === 'isStaff' && typeof to === 'boolean') return to ? 'Made staff' : 'Removed the staff role'
    const label = FIELDS[field] ?? field
    return isRecord(value)
      ? `${label}: ${show(field, value.from)} → ${show(field, value.to)}`
      : `${label}: ${show(field, value)}`
  })
}

const NAME_LABELS = { firstName: 'first name', lastName: 'last name' } as const

/** null or missing: the token opens with no key in FERNET_KEYS (any more), so only the fact is told. */
function describeRename(label: string, names: AuditNameChange | undefined): string {
  const from = names?.from ?? null
  const to = names?.to ?? null
  if (from === null && to === null) return `Changed ${label}`
  if (from === null) return to === '' ? `Removed ${label}` : `Changed ${label} to ${to}`
  if (to === null) return from === '' ? `Set ${label}` : `Changed ${label} from ${from}`
  if (from === '') return `Set ${label} to ${to}`
  if (to === '') return `Removed ${label} (was ${from})`
  return `Changed ${label} from ${from} to ${to}`
}

/** Key rotation (ADR 009): fingerprints only, never a key. */
function describeKeys(changes: Record<string, unknown>): string[] {
  const lines: string[] = []
  const { primary, keys, rewritten, tokens, unreadable } = changes
  if (typeof primary === 'string') lines.push(`Primary key ${primary}`)
  if (Array.isArray(keys)) lines.push(`Keys in FERNET_KEYS: ${keys.join(', ')}`)
  if (typeof rewritten === 'number')
    lines.push(`${rewritten.toLocaleString()} token${rewritten === 1 ? '' : 's'} re-encrypted`)
  if (isRecord(tokens)) {
    const counts = Object.entries(tokens).map(([fp, n]) => `${fp}: ${typeof n === 'number' ? n.toLocaleString() : '?'}`)
    lines.push(`Tokens per key: ${counts.join(', ')}`)
  }
  if (typeof unreadable === 'number' && unreadable > 0) lines.push(`${unreadable.toLocaleString()} no key opens`)
  return lines
}
