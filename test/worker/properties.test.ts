// Property-based checks of the edge parsers: whatever arrives, they answer, never throw.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_EMAIL_CHARS } from '../../protocol/api.ts'
import { MAX_BODY_CHARS, parseClientFrame } from '../../protocol/frames.ts'
import { codePointLength } from '../../protocol/text.ts'
import { parseLogin, parsePasswordChange, parseProfilePatch, parseRegister } from '../../worker/accounts/inputs.ts'
import { parseAdminUserPatch } from '../../worker/admin/inputs.ts'
import type { Parsed } from '../../worker/http/body.ts'

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
          expect(['ok', 'bad-json', 'bad-frame', 'body-empty', 'body-too-long', 'frame-too-large']).toContain(
            r.ok ? 'ok' : r.code,
          )
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

/** A field's name, a near miss of one, or anything at all. */
const fieldNames = fc.oneof(
  nasty,
  fc.constantFrom(
    'email',
    'password',
    'firstName',
    'lastName',
    'isActive',
    'isStaff',
    'isSuperuser',
    'id',
    'currentPassword',
    'newPassword',
    'FirstName',
    'firstName ',
  ),
)
const validName = fc.constantFrom('', 'Ada', 'Lovelace', 'José María', '李')

interface Validator {
  parse: (raw: unknown) => Parsed<object>
  /** The only keys a parsed value may have. */
  fields: readonly string[]
  /** Register and login ignore other fields (nothing else is read); the PATCH-like ones refuse them. */
  unknown: 'ignored' | 'refused'
  /** Bodies this validator accepts, to which unknown fields are added. */
  valid: fc.Arbitrary<Record<string, unknown>>
}

const validators: Record<string, Validator> = {
  register: {
    parse: parseRegister,
    fields: ['email', 'password', 'firstName', 'lastName'],
    unknown: 'ignored',
    valid: fc.record(
      {
        email: fc.constant('ada@example.com'),
        password: fc.constant('a fine long passphrase'),
        firstName: validName,
        lastName: validName,
      },
      { requiredKeys: ['email', 'password'] },
    ),
  },
  login: {
    parse: parseLogin,
    fields: ['email', 'password'],
    unknown: 'ignored',
    valid: fc.record({ email: fc.constant('ada@example.com'), password: fc.constant('anything at all') }),
  },
  'profile patch': {
    parse: parseProfilePatch,
    fields: ['firstName', 'lastName'],
    unknown: 'refused',
    valid: fc.record({ firstName: validName, lastName: validName }, { requiredKeys: [] }),
  },
  'admin patch': {
    parse: parseAdminUserPatch,
    fields: ['firstName', 'lastName', 'isActive', 'isStaff'],
    unknown: 'refused',
    valid: fc.record(
      { firstName: validName, lastName: validName, isActive: fc.boolean(), isStaff: fc.boolean() },
      { requiredKeys: [] },
    ),
  },
  'password change': {
    parse: (raw) => parsePasswordChange(raw, 'someone@example.com'),
    fields: ['currentPassword', 'newPassword'],
    unknown: 'refused',
    valid: fc.record({
      currentPassword: fc.constant('the old one'),
      newPassword: fc.constant('a fine long passphrase'),
    }),
  },
}

/** A body as JSON.parse makes it, so keys like __proto__ are own keys, as on the wire. */
function body(entries: [string, unknown][]): Record<string, unknown> {
  return JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`)
}

describe('request validators', () => {
  it.each(Object.entries(validators))(
    'the %s validator never throws, and answers a value of its own fields or field errors',
    (_, v) => {
      fc.assert(
        fc.property(fc.oneof(anyJson, objects), (raw) => {
          const r = v.parse(raw)
          // A value of none but this validator's own fields, or at least one field error.
          expect(r.ok ? Object.keys(r.value).filter((k) => !v.fields.includes(k)) : []).toEqual([])
          expect(r.ok || Object.keys(r.errors).length > 0).toBe(true)
        }),
        { numRuns: 1000 },
      )
    },
  )

  it.each(Object.entries(validators))('the %s validator keeps only its own fields of a valid body', (_, v) => {
    fc.assert(
      fc.property(
        v.valid,
        fc.uniqueArray(
          fc.tuple(
            fieldNames.filter((k) => !v.fields.includes(k)),
            anyJson,
          ),
          { selector: ([k]) => k, maxLength: 4 },
        ),
        (valid, extras) => {
          const r = v.parse(body([...Object.entries(valid), ...extras]))
          const refused = v.unknown === 'refused' && extras.length > 0
          // Refused: exactly the unknown fields are named; accepted: exactly the valid body.
          expect(r.ok ? { value: r.value } : { errors: Object.keys(r.errors).sort() }).toEqual(
            refused ? { errors: extras.map(([k]) => k).sort() } : { value: expect.objectContaining(valid) },
          )
          expect(Object.keys(r.ok ? r.value : {}).filter((k) => !v.fields.includes(k))).toEqual([])
        },
      ),
      { numRuns: 300 },
    )
  })

  it('normalises any valid registration email to trimmed lower case', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        fc.pre(email.length <= MAX_EMAIL_CHARS)
        const r = parseRegister({ email: `  ${email.toUpperCase()} `, password: 'a fine long passphrase' })
        expect(r).toMatchObject({ ok: true, value: { email: email.toLowerCase() } })
      }),
    )
  })
})
