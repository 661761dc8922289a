// The Worker's view of its secrets: one Fernet keyring per isolate, from FERNET_KEYS.
import type { Env } from '../env.ts'
import { decryptText, encryptText, type FernetKeyring, loadKeyring } from './fernet.ts'

export function keyringOf(env: Env): Promise<FernetKeyring> {
  return loadKeyring(env.FERNET_KEYS)
}

/** Names are Fernet tokens at rest; an empty name is stored as '' (it needs no key). */
export async function sealName(keys: FernetKeyring, name: string): Promise<string> {
  return name === '' ? '' : encryptText(keys, name)
}

export async function openName(keys: FernetKeyring, stored: string): Promise<string> {
  if (stored === '') return ''
  const name = await decryptText(keys, stored)
  if (name === null) throw new Error('a stored name could not be decrypted with FERNET_KEYS')
  return name
}
