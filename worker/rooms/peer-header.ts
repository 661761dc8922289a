// The peer's row as the Worker read it for an upgrade, handed to the room sealed (Fernet,
// the instance's keyring): the room then needs no D1 read of its own for the `ready`
// frame, so a reconnect storm after a deploy, when every room starts cold, costs no more
// D1 queries than a warm one (ADR 012). Sealed, because people's data never travels in
// headers in the clear, where it could reach a log.
import { decryptText, encryptText, type FernetKeyring } from '../crypto/fernet.ts'
import type { PeerRow } from '../db/users.ts'

export function sealPeerRow(keys: FernetKeyring, row: PeerRow): Promise<string> {
  const { id, email, firstName, lastName, deletedAt } = row
  return encryptText(keys, JSON.stringify({ id, email, firstName, lastName, deletedAt }))
}

/** The row sealed by sealPeerRow for user `id`, or null (absent, not ours, or not that user's). */
export async function openPeerRow(keys: FernetKeyring, sealed: string | null, id: string): Promise<PeerRow | null> {
  if (!sealed) return null
  const text = await decryptText(keys, sealed)
  if (text === null) return null
  try {
    const row = JSON.parse(text) as Partial<PeerRow>
    const str = (v: unknown) => typeof v === 'string'
    if (row.id !== id || !str(row.email) || !str(row.firstName) || !str(row.lastName)) return null
    if (row.deletedAt !== null && !str(row.deletedAt)) return null
    return row as PeerRow
  } catch {
    return null
  }
}
