// Property-based checks of the edge parsers: whatever arrives, they answer, never throw.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_BODY_CHARS, parseClientFrame } from '../../protocol/frames.ts'
import { codePointLength } from '../../protocol/text.ts'
import { parseLogin, parsePasswordChange, parseProfilePatch, parseRegister } from '../../worker/accounts/inputs.ts'
import { parseAdminUserPatch } from '../../worker/admin/inputs.ts'

const anyJson = fc.jsonValue({ maxDepth: 3 })
const nasty = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', '\u0000', '\uFEFF', '\uD800', '🎉'.repeat(3000)),
)
const objects = fc.dictionary(
  fc.oneof(nasty, fc.constantFrom('email', 'password', 'firstName', 'isStaff')),
  fc.oneof(anyJson, nasty),
  {
    maxKeys: 6,
  },
)

describe('frame parser', () => {
  it('never throws and always answers a frame or an error code', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          anyJson.map((v) => JSON.stringify(v)),
        ),
        (raw) => {
          const r = parseClientFrame(raw)
          expect(typeof r.ok).toBe('boolean')
          if (!r.ok)
            expect(['bad-json', 'bad-frame', 'body-empty', 'body-too-long', 'frame-too-large']).toContain(r.code)
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('accepts every well-formed send frame with its body trimmed', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 64 }),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }),
        (clientId, body) => {
          fc.pre(body.trim().length > 0 && codePointLength(clientId) <= 64)
          const r = parseClientFrame(JSON.stringify({ type: 'send', clientId, body }))
          expect(r).toEqual({ ok: true, value: { type: 'send', clientId, body: body.trim() } })
        },
      ),
    )
  })

  it('refuses bodies over the limit by code points, whatever their bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom('a', 'é', '😀', '𝄞'), fc.integer({ min: 1, max: 50 }), (ch, extra) => {
        const r = parseClientFrame(
          JSON.stringify({ type: 'send', clientId: 'x', body: ch.repeat(MAX_BODY_CHARS + extra) }),
        )
        expect(r.ok).toBe(false)
      }),
      { numRuns: 50 },
    )
  })

  it('accepts read frames only with a whole, non-negative upTo', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)), (upTo) => {
        const r = parseClientFrame(JSON.stringify({ type: 'read', upTo }))
        expect(r.ok).toBe(typeof upTo === 'number' && Number.isSafeInteger(upTo) && upTo >= 0)
      }),
    )
  })
})

describe('request validators', () => {
  it.each([
    ['register', parseRegister],
    ['login', parseLogin],
    ['profile patch', parseProfilePatch],
    ['admin patch', parseAdminUserPatch],
    ['password change', (raw: unknown) => parsePasswordChange(raw, 'someone@example.com')],
  ] as const)('the %s validator never throws and never lets an unknown field through', (_, parse) => {
    fc.assert(
      fc.property(fc.oneof(anyJson, objects), (raw) => {
        const r = parse(raw)
        if (r.ok) {
          for (const key of Object.keys(r.value)) {
            expect([
              'email',
              'password',
              'firstName',
              'lastName',
              'isActive',
              'isStaff',
              'currentPassword',
              'newPassword',
            ]).toContain(key)
          }
        } else {
          expect(Object.keys(r.errors).length).toBeGreaterThan(0)
        }
      }),
      { numRuns: 1000 },
    )
  })

  it('normalises any valid registration email to trimmed lower case', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        const r = parseRegister({ email: `  ${email.toUpperCase()} `, password: 'a fine long passphrase' })
        if (r.ok) expect(r.value.email).toBe(email.toLowerCase())
      }),
    )
  })
})
