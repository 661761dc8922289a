// The audit log in words (GET /api/admin/audit's `names`, client/src/admin/describe-audit.ts):
// staff read the names a rename recorded; tokens no key opens, and names an account deletion
// stripped, still describe the entry.
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { describeAction, describeChanges } from '../../client/src/admin/describe-audit.ts'
import type { AuditEntry } from '../../protocol/admin-audit.ts'
import { encryptText, generateKey, loadKeyring } from '../../worker/crypto/fernet.ts'
import { keyringOf } from '../../worker/crypto/keys.ts'
import { call, type SignedUp, signIn, signUp } from './helpers/http.ts'

async function staffMember(): Promise<SignedUp> {
  const s = await signUp({ firstName: 'Sam', lastName: 'Staff' })
  await env.DB.prepare('update users set is_staff = 1 where id = ?').bind(s.id).run()
  return s
}

const edit = (staff: SignedUp, id: string, body: object) =>
  call(`/api/admin/users/${id}`, { method: 'PATCH', cookie: staff.cookie, body })

async function auditOf(staff: SignedUp, targetId: string): Promise<AuditEntry[]> {
  const res = await call(`/api/admin/audit?targetId=${targetId}`, { cookie: staff.cookie })
  expect(res.status).toBe(200)
  return ((await res.json()) as { entries: AuditEntry[] }).entries
}

describe('audit entries staff can read', () => {
  it('give staff the decrypted old and new names beside the untouched tokens', async () => {
    const [staff, target] = await Promise.all([staffMember(), signUp({ firstName: 'Ann', lastName: 'Lee' })])
    expect((await edit(staff, target.id, { firstName: 'Anna' })).status).toBe(200)
    expect((await edit(staff, target.id, { lastName: '', isActive: false })).status).toBe(200)
    const [newest, rename] = await auditOf(staff, target.id)
    expect(rename!.names).toEqual({ firstName: { from: 'Ann', to: 'Anna' } })
    expect((rename!.changes as { firstName: { to: string } }).firstName.to).toMatch(/^gAAAAA/)
    expect(describeAction(rename!)).toBe('Renamed')
    expect(describeChanges(rename!)).toEqual(['Changed first name from Ann to Anna'])
    expect(newest!.names).toEqual({ lastName: { from: 'Lee', to: '' } })
    expect(describeChanges(newest!)).toEqual(['Removed last name (was Lee)', 'Deactivated the account'])
    // Entries without names carry an empty `names`, so every entry has the same shape.
    const rows = (await (await call('/api/admin/audit?pageSize=100', { cookie: staff.cookie })).json()) as {
      entries: AuditEntry[]
    }
    for (const entry of rows.entries) expect(entry.names).toBeTypeOf('object')
  })

  it('answer 403 to a member who is not staff, names or not', async () => {
    const [member, target] = await Promise.all([signUp(), signUp()])
    const res = await call(`/api/admin/audit?targetId=${target.id}`, { cookie: member.cookie })
    expect(res.status).toBe(403)
    expect(await res.text()).not.toContain('names')
  })

  it('say only that a name changed when no key opens its token', async () => {
    const [staff, target] = await Promise.all([staffMember(), signUp()])
    const foreign = await encryptText(await loadKeyring(generateKey()), 'Secret')
    const ours = await encryptText(await keyringOf(env), 'Known')
    const changes = { firstName: { from: foreign, to: ours }, lastName: { from: 'not a token', to: foreign } }
    await env.DB.prepare(
      "insert into audit_log (id, actor_id, action, target_type, target_id, changes, at) values (?, ?, 'user.update', 'user', ?, ?, ?)",
    )
      .bind(crypto.randomUUID(), staff.id, target.id, JSON.stringify(changes), new Date().toISOString())
      .run()
    const [entry] = await auditOf(staff, target.id)
    expect(entry!.names).toEqual({ firstName: { from: null, to: 'Known' }, lastName: { from: null, to: null } })
    expect(describeChanges(entry!)).toEqual(['Changed first name to Known', 'Changed last name'])
  })

  it("still describe a deleted account's entries once its names were stripped", async () => {
    const [staff, me] = await Promise.all([staffMember(), signUp({ firstName: 'Olga' })])
    expect((await edit(staff, me.id, { firstName: 'Renamed' })).status).toBe(200)
    expect((await edit(staff, me.id, { lastName: 'Person', isActive: false })).status).toBe(200)
    expect((await edit(staff, me.id, { isActive: true })).status).toBe(200)
    // Deactivation ended her sessions: she signs in again to delete the account.
    const cookie = await signIn(me.email)
    expect((await call('/api/me', { method: 'DELETE', cookie, body: { password: me.password } })).status).toBe(204)
    const entries = (await auditOf(staff, me.id)).filter((e) => e.action === 'user.update')
    expect(entries.map((e) => e.names)).toEqual([{}, {}, {}])
    expect(entries.map((e) => [describeAction(e), ...describeChanges(e)])).toEqual([
      ['Reactivated', 'Reactivated the account'],
      ['Deactivated', 'Deactivated the account'],
      ['Renamed', 'Changed the name (erased when the account was deleted)'],
    ])
    expect(JSON.stringify(entries)).not.toMatch(/Olga|Renamed"|Person/)
  })
})
