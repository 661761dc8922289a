// Attachment bytes in R2, only ever as Fernet tokens (the same keys as message bodies), so
// any standard Fernet library given FERNET_KEYS reads what the bucket holds.
import { decrypt, encrypt, type FernetKeyring } from '../crypto/fernet.ts'
import type { Env } from '../env.ts'

/** `type` is kept in the clear only for thumbnails (an image type, no person's data). */
export async function putBlob(
  env: Env,
  keys: FernetKeyring,
  key: string,
  bytes: Uint8Array,
  type?: string,
): Promise<void> {
  await env.ATTACHMENTS.put(key, await encrypt(keys, bytes), type ? { httpMetadata: { contentType: type } } : undefined)
}

/** The bytes, or null when the object is gone (deleted, swept) or no key opens it. */
export async function getBlob(
  env: Env,
  keys: FernetKeyring,
  key: string,
): Promise<{ bytes: Uint8Array; type: string | undefined } | null> {
  const object = await env.ATTACHMENTS.get(key)
  if (!object) return null
  const bytes = await decrypt(keys, await object.text())
  return bytes ? { bytes, type: object.httpMetadata?.contentType } : null
}

export async function deleteBlobs(env: Env, keys: readonly string[]): Promise<void> {
  // R2 deletes up to 1,000 keys per call.
  for (let i = 0; i < keys.length; i += 1000) await env.ATTACHMENTS.delete(keys.slice(i, i + 1000))
}
