// How the admin audit screen words staff edits of a user (client/src/admin/describe-audit.ts):
// names from the Worker's decrypted `names`, never from the tokens in `changes`.
import { describe, expect, it } from 'vitest'
import { describeAction, describeChanges } from '../../client/src/admin/describe-audit.ts'
import type { AuditEntry } from '../../protocol/admin-audit.ts'

const TOKEN = 'gAAAAABpbG9uZy1mZXJuZXQtdG9rZW4tYXMtc3RvcmVk'

const update = (changes: Record<string, unknown>, names?: AuditEntry['names']): AuditEntry => ({
  id: 'e1',
  actorId: 'sam',
  action: 'user.update',
  targetType: 'user',
  targetId: 'ann',
  changes,
  at: '2026-12-02T06:00:00.000Z',
  ...(names ? { names } : {}),
})

const renamed = (field: 'firstName' | 'lastName', from: string | null, to: string | null) =>
  update({ [field]: { from: TOKEN, to: TOKEN } }, { [field]: { from, to } })

describe('staff edits of a user in the audit log', () => {
  it('name the old and new names', () => {
    expect(describeChanges(renamed('firstName', 'Ann', 'Anna'))).toEqual(['Changed first name from Ann to Anna'])
    expect(describeChanges(renamed('lastName', '', 'Lee'))).toEqual(['Set last name to Lee'])
    expect(describeChanges(renamed('lastName', 'Lee', ''))).toEqual(['Removed last name (was Lee)'])
    expect(describeAction(renamed('firstName', 'Ann', 'Anna'))).toBe('Renamed')
  })

  it('say only that a name changed where a token no longer decrypts, or no names came', () => {
    expect(describeChanges(renamed('firstName', null, null))).toEqual(['Changed first name'])
    expect(describeChanges(renamed('firstName', null, 'Anna'))).toEqual(['Changed first name to Anna'])
    expect(describeChanges(renamed('firstName', 'Ann', null))).toEqual(['Changed first name from Ann'])
    expect(describeChanges(update({ lastName: { from: TOKEN, to: TOKEN } }))).toEqual(['Changed last name'])
    for (const line of describeChanges(renamed('firstName', null, null))) expect(line).not.toContain(TOKEN)
  })

  it('word the flags as what happened to the account', () => {
    const edit = update({ isActive: { from: true, to: false }, isStaff: { from: false, to: true } })
    expect(describeAction(edit)).toBe('Deactivated, Made staff')
    expect(describeChanges(edit)).toEqual(['Deactivated the account', 'Made staff'])
    expect(
      describeChanges(update({ isActive: { from: false, to: true }, isStaff: { from: true, to: false } })),
    ).toEqual(['Reactivated the account', 'Removed the staff role'])
  })

  it('still describe an entry whose names an account deletion stripped', () => {
    const stripped = update({}, {})
    expect(describeAction(stripped)).toBe('Renamed')
    expect(describeChanges(stripped)).toEqual(['Changed the name (erased when the account was deleted)'])
  })
})
