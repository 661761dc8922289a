// Attachment bytes in R2, only ever as Fernet tokens (the same keys as message bodies), so
// any standard Fernet library given FERNET_KEYS reads what the bucket holds.
import { decrypt, encrypt, type FernetKeyring } from '../crypto/fernet.ts'
import type { Env } from '../env.ts'
import { keyFingerprints } from '../keys/fingerprints.ts'

/** R2 custom metadata naming the fingerprint of the key that sealed the object (key rotation, ADR 009). */
export const BLOB_KEY_METADATA = 'fernet-key'

/** `type` is kept in the clear only for thumbnails (an image type, no person's data). */
export async function putBlob(
  env: Env,
  keys: FernetKeyring,
  key: string,
  bytes: Uint8Array,
  type?: string,
): Promise<void> {
  const [token, [primary]] = await Promise.all([encrypt(keys, bytes), keyFingerprints(env.FERNET_KEYS)])
  await env.ATTACHMENTS.put(key, token, {
    ...(type ? { httpMetadata: { contentType: type } } : {}),
    customMetadata: { [BLOB_KEY_METADATA]: primary! },
  })
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
