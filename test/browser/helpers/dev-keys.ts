// The Fernet keys the test server runs with, for checks that open what it stored.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../../../scripts/lib/dev-server.ts'

/** FERNET_KEYS as `wrangler dev` read it from .dev.vars. */
export function devFernetKeys(): string {
  const text = readFileSync(join(ROOT, '.dev.vars'), 'utf8')
  const line = text.split('\n').find((l) => /^\s*FERNET_KEYS\s*=/.test(l))
  if (!line) throw new Error('.dev.vars has no FERNET_KEYS')
  return line
    .slice(line.indexOf('=') + 1)
    .trim()
    .replace(/^(['"])(.*)\1$/, '$2')
}
