// `npm run createsuperuser` against a local D1 of its own: creates, then promotes.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyLocalMigrations, QUIET_ENV, ROOT } from '../../scripts/lib/dev-server.ts'

const persistTo = mkdtempSync(join(tmpdir(), 'parley-su-'))

function createsuperuser(...args: string[]): string {
  return execFileSync(
    join(ROOT, 'node_modules/.bin/node'),
    ['scripts/createsuperuser.ts', '--persist-to', persistTo, ...args],
    {
      cwd: ROOT,
      env: QUIET_ENV,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
}

function query<T>(sql: string): T[] {
  const out = execFileSync(
    join(ROOT, 'node_modules/.bin/wrangler'),
    ['d1', 'execute', 'DB', '--local', '--persist-to', persistTo, '--json', '--command', sql],
    { cwd: ROOT, env: QUIET_ENV, encoding: 'utf8' },
  )
  return (JSON.parse(out) as { results: T[] }[]).flatMap((r) => r.results)
}

describe('createsuperuser', () => {
  beforeAll(() => applyLocalMigrations(persistTo), 120_000)
  afterAll(() => rmSync(persistTo, { recursive: true, force: true }))

  it('creates a staff superuser with an argon2id hash, empty names, and an audit entry', () => {
    expect(createsuperuser('--email', ' Root@Example.com ', '--password', 'a long admin passphrase')).toContain(
      'Created',
    )
    const [row] = query<Record<string, unknown>>("select * from users where email = 'root@example.com'")
    expect(row).toMatchObject({ is_staff: 1, is_superuser: 1, is_active: 1, first_name: '', last_name: '' })
    expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    const audit = query<{ action: string; target_id: string }>('select action, target_id from audit_log')
    expect(audit).toContainEqual({ action: 'user.create-superuser', target_id: row!.id })
  }, 60_000)

  it('promotes an existing account instead of creating a second one', () => {
    execFileSync(
      join(ROOT, 'node_modules/.bin/wrangler'),
      [
        'd1',
        'execute',
        'DB',
        '--local',
        '--persist-to',
        persistTo,
        '--command',
        "insert into users (id, email, password_hash, date_joined) values ('u-1', 'plain@example.com', 'x', '2026-01-01T00:00:00.000Z')",
      ],
      { cwd: ROOT, env: QUIET_ENV, stdio: 'ignore' },
    )
    expect(createsuperuser('--email', 'plain@example.com')).toContain('Promoted')
    const rows = query<Record<string, unknown>>("select * from users where email = 'plain@example.com'")
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ id: 'u-1', is_staff: 1, is_superuser: 1, password_hash: 'x' })
  }, 60_000)

  it('refuses a weak password without a terminal to ask again', () => {
    expect(() => createsuperuser('--email', 'weak@example.com', '--password', 'password123')).toThrow(/too common/)
    expect(query("select id from users where email = 'weak@example.com'")).toEqual([])
  }, 60_000)
})
