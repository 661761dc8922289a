// Staff read the audit log in their own panel, so the names a `user.update` recorded (as
// Fernet tokens, crypto/keys.ts sealName) are opened for them here, next to the tokens, which stay
// as stored: the log is never rewritten. One page at a time, in memory: no D1 query per entry.
import type { AuditNames } from '../../protocol/admin-audit.ts'
import { decryptText, type FernetKeyring } from '../crypto/fernet.ts'

/** The name fields an audit entry's `changes` may hold as `{ from, to }` tokens. */
const NAME_FIELDS = ['firstName', 'lastName'] as const

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The `{ from, to }` name tokens in one entry's changes (none once account deletion stripped them). */
function nameTokensOf(changes: unknown): { field: (typeof NAME_FIELDS)[number]; from: unknown; to: unknown }[] {
  if (!isRecord(changes)) return []
  return NAME_FIELDS.flatMap((field) => {
    const change = changes[field]
    return isRecord(change) ? [{ field, from: change.from, to: change.to }] : []
  })
}

/**
 * The decrypted names of each entry, in order; `{}` for an entry without any. The page's distinct
 * tokens are opened together, once each (WebCrypto work only, no storage round trip).
 */
export async function openAuditNames(
  keys: FernetKeyring,
  entries: readonly { changes: unknown }[],
): Promise<AuditNames[]> {
  const perEntry = entries.map((e) => nameTokensOf(e.changes))
  const tokens = new Set<string>()
  for (const fields of perEntry) {
    for (const { from, to } of fields) {
      if (typeof from === 'string') tokens.add(from)
      if (typeof to === 'string') tokens.add(to)
    }
  }
  const opened = new Map<string, string | null>()
  await Promise.all(
    [...tokens].map(async (token) => {
      // sealName stores an empty name as '' (no token): it reads back as ''.
      opened.set(token, token === '' ? '' : await decryptText(keys, token))
    }),
  )
  const open = (token: unknown) => (typeof token === 'string' ? (opened.get(token) ?? null) : null)
  return perEntry.map((fields) => {
    const names: AuditNames = {}
    for (const { field, from, to } of fields) names[field] = { from: open(from), to: open(to) }
    return names
  })
}
