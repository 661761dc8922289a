// How the admin audit screen words key rotation (client/src/admin/describe-audit.ts).
import { describe, expect, it } from 'vitest'
import type { AuditEntry } from '../../client/src/admin/admin-api.ts'
import { describeAction, describeChanges } from '../../client/src/admin/describe-audit.ts'

const entry = (action: string, changes: unknown): AuditEntry => ({
  id: 'e1',
  actorId: 'sue',
  action,
  targetType: 'keys',
  targetId: 'd88a2cb5',
  changes,
  at: '2026-12-02T06:00:00.000Z',
})

describe('key rotation audit entries', () => {
  it('name the start with the fingerprints, never a key', () => {
    const start = entry('keys.reencrypt', { primary: 'd88a2cb5', keys: ['d88a2cb5', 'ce3880b8'] })
    expect(describeAction(start)).toBe('Started re-encryption with the primary key')
    expect(describeChanges(start)).toEqual(['Primary key d88a2cb5', 'Keys in FERNET_KEYS: d88a2cb5, ce3880b8'])
  })

  it('say how many tokens were sealed again, and any no key opens', () => {
    const done = entry('keys.reencrypt-done', { rewritten: 1234, unreadable: 0, startedAt: '2026-12-02T05:00:00Z' })
    expect(describeAction(done)).toBe('Re-encryption finished')
    expect(describeChanges(done)).toEqual(['1,234 tokens re-encrypted'])
    expect(describeChanges(entry('keys.reencrypt-done', { rewritten: 1, unreadable: 2 }))).toEqual([
      '1 token re-encrypted',
      '2 no key opens',
    ])
    expect(describeChanges(entry('keys.reencrypt-done', { rewritten: 'x' }))).toEqual([])
  })
})
