// GET /api/admin/audit's entries (CONTRACT.md: Admin; docs/api.md): shared by the Worker, which
// decrypts the names in them for staff, and the client, which puts them into words.

/** A name before and after a staff edit: null where no key in FERNET_KEYS opens its token. */
export interface AuditNameChange {
  from: string | null
  to: string | null
}

/** The names an entry's `changes` holds as Fernet tokens, decrypted; `{}` when it holds none. */
export type AuditNames = Partial<Record<'firstName' | 'lastName', AuditNameChange>>

export interface AuditEntry {
  id: string
  /** null when the command line did it (createsuperuser) or the retention policy. */
  actorId: string | null
  action: string
  targetType: 'user' | 'conversation' | 'keys'
  targetId: string
  /** As stored: name values are Fernet tokens (or gone, once the account was deleted). */
  changes: unknown
  at: string
  /** Optional for the client: an entry from an older Worker has none. */
  names?: AuditNames
}
