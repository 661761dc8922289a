// Staff for the admin tests: a registered account promoted with `createsuperuser`, the way
// an operator makes one (CONTRACT.md: command line), against the test server's own D1.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { User } from '../../../protocol/api.ts'
import { QUIET_ENV, ROOT } from '../../../scripts/lib/dev-server.ts'
import { type Credentials, createAccount } from './accounts.ts'

const run = promisify(execFile)

/** Runs the real script; it needs the Node the project pins (it is TypeScript). */
export async function promoteToSuperuser(persistTo: string, email: string): Promise<void> {
  const script = join(ROOT, 'scripts/createsuperuser.ts')
  await run(join(ROOT, 'node_modules/.bin/node'), [script, '--email', email, '--persist-to', persistTo], {
    cwd: ROOT,
    env: QUIET_ENV,
  })
}

/** A fresh staff superuser with no live session, ready to sign in. */
export async function createSuperuser(
  baseUrl: string,
  persistTo: string,
  names: { firstName?: string; lastName?: string } = {},
): Promise<Credentials & { user: User }> {
  const account = await createAccount(baseUrl, names)
  await promoteToSuperuser(persistTo, account.email)
  return { ...account, user: { ...account.user, isStaff: true, isSuperuser: true } }
}
