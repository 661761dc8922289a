// How the admin audit screen words a retention purge (client/src/admin/describe-audit.ts).
import { describe, expect, it } from 'vitest'
import type { AuditEntry } from '../../client/src/admin/admin-api.ts'
import { describeAction, describeChanges, describeNoActor } from '../../client/src/admin/describe-audit.ts'

const purge = (changes: unknown): AuditEntry => ({
  id: 'e1',
  actorId: null,
  action: 'retention.purge',
  targetType: 'conversation',
  targetId: 'room',
  changes,
  at: '2026-12-02T06:00:00.000Z',
})

describe('a retention.purge audit entry', () => {
  it('reads as the policy destroying messages and attachments, not as the command line', () => {
    const entry = purge({ messages: 1000, files: 1, before: '2026-11-02T06:00:00.000Z' })
    expect(describeAction(entry)).toBe('Destroyed expired messages')
    expect(describeNoActor(entry)).toBe('Retention policy')
    const [line, ...rest] = describeChanges(entry)
    expect(rest).toEqual([])
    expect(line).toMatch(/^1,000 messages and 1 attachment sent before .+, by the retention policy$/)
    expect(line).toContain(new Date('2026-11-02T06:00:00.000Z').toLocaleString())
  })

  it('says nothing it cannot read, and other actorless entries stay the command line', () => {
    expect(describeChanges(purge({ messages: 'x' }))).toEqual([])
    expect(describeChanges(purge({ messages: 1, files: 0 }))).toEqual([
      '1 message and 0 attachments, by the retention policy',
    ])
    expect(describeNoActor({ ...purge({}), action: 'user.create-superuser' })).toBe('Command line')
  })
})
