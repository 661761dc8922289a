// `npm run createsuperuser -- --email E --password P [--remote]`: creates a staff
// superuser, or promotes the existing account with that email. The password is hashed
// here, names are left empty, so no production secret is needed (CONTRACT.md).
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { emailProblem, normalizeEmail, passwordProblem } from '../protocol/account-rules.ts'
import { hashPassword } from '../worker/crypto/password.ts'
import { QUIET_ENV, ROOT } from './lib/dev-server.ts'
import { ask as askInTerminal } from './lib/prompt.ts'

const { values } = parseArgs({
  options: {
    email: { type: 'string' },
    password: { type: 'string' },
    remote: { type: 'boolean', default: false },
    'persist-to': { type: 'string' },
  },
})

const where = values.remote
  ? ['--remote']
  : ['--local', ...(values['persist-to'] ? ['--persist-to', values['persist-to']] : [])]

function fail(message: string): never {
  console.error(`createsuperuser: ${message}`)
  process.exit(1)
}

const ask = (question: string, hidden = false) =>
  askInTerminal(question, {
    hidden,
    notInTerminal: (what) => fail(`${what} is required (--email/--password) when not in a terminal`),
  })

const sqlText = (s: string) => `'${s.replaceAll("'", "''")}'`

function d1(sql: string): unknown[] {
  const r = spawnSync(
    join(ROOT, 'node_modules/.bin/wrangler'),
    ['d1', 'execute', 'DB', ...where, '--json', '--command', sql],
    { cwd: ROOT, env: QUIET_ENV, encoding: 'utf8' },
  )
  if (r.status !== 0) fail(`wrangler d1 execute failed:\n${r.stderr || r.stdout}`)
  const parsed = JSON.parse(r.stdout) as { results: unknown[] }[]
  return parsed.flatMap((p) => p.results)
}

const email = normalizeEmail(values.email ?? (await ask('Email: ')))
const emailError = emailProblem(email)
if (emailError) fail(emailError)

const existing = d1(`select id from users where email = ${sqlText(email)}`) as { id: string }[]
const now = new Date().toISOString()
const auditId = randomUUID()

if (existing[0]) {
  const id = existing[0].id
  d1(
    `update users set is_staff = 1, is_superuser = 1, is_active = 1 where id = ${sqlText(id)};
     insert into audit_log (id, actor_id, action, target_type, target_id, changes, at)
     values (${sqlText(auditId)}, null, 'user.promote-superuser', 'user', ${sqlText(id)},
     ${sqlText(JSON.stringify({ isStaff: true, isSuperuser: true, isActive: true, via: 'createsuperuser' }))}, ${sqlText(now)});`,
  )
  console.log(`Promoted ${email} to staff superuser.`)
} else {
  let password = values.password
  if (password === undefined) {
    password = await ask('Password: ', true)
    if ((await ask('Password (again): ', true)) !== password) fail('the passwords do not match')
  }
  const passwordError = passwordProblem(password, email)
  if (passwordError) fail(passwordError)
  const id = randomUUID()
  d1(
    `insert into users (id, email, password_hash, first_name, last_name, is_active, is_staff, is_superuser, date_joined)
     values (${sqlText(id)}, ${sqlText(email)}, ${sqlText(hashPassword(password))}, '', '', 1, 1, 1, ${sqlText(now)});
     insert into audit_log (id, actor_id, action, target_type, target_id, changes, at)
     values (${sqlText(auditId)}, null, 'user.create-superuser', 'user', ${sqlText(id)},
     ${sqlText(JSON.stringify({ isStaff: true, isSuperuser: true, via: 'createsuperuser' }))}, ${sqlText(now)});`,
  )
  console.log(`Created staff superuser ${email}.`)
}
