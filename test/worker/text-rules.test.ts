import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { call, freshAddress, PASSWORD, problemOf, type SignedUp, signUp } from './helpers/http.ts'
import { openChat } from './helpers/socket.ts'

const register = (body: Record<string, unknown>) =>
  call('/api/auth/register', { body: { password: PASSWORD, ...body }, headers: { 'cf-connecting-ip': freshAddress() } })

/** A fresh, letters-only address, so lookalike letters can be swapped in. */
function freshLetters(): string {
  const letters = Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => String.fromCharCode(97 + (b % 26)))
  return `alice${letters.join('')}`
}

/** 🏴 with tag letters g b s c t and a cancel tag: the flag of Scotland. */
const SCOTLAND = '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}'
/** 👨‍👩‍👧: three emoji joined by ZWJ. */
const FAMILY = '\u{1F468}\u200d\u{1F469}\u200d\u{1F467}'

/** ASCII to its fullwidth form (ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｏｍ). */
const fullwidth = (s: string) => s.replace(/[!-~]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0))

describe('lookalike emails', () => {
  it.each([
    ['a Cyrillic а in the local part', (l: string) => `\u0430${l.slice(1)}@example.com`, /Cyrillic or Greek/],
    ['a Greek ο in the domain', (l: string) => `${l}@example.c\u03bfm`, /Cyrillic or Greek/],
    ['a Cyrillic е in the domain', (l: string) => `${l}@exampl\u0435.com`, /Cyrillic or Greek/],
    ['a zero-width space', (l: string) => `${l.slice(0, 2)}\u200b${l.slice(2)}@example.com`, /U\+200B/],
    ['a right-to-left override', (l: string) => `\u202e${l}@example.com`, /U\+202E/],
    ['a left-to-right isolate', (l: string) => `${l}\u2066@example.com`, /U\+2066/],
    ['a soft hyphen', (l: string) => `${l.slice(0, 3)}\u00ad${l.slice(3)}@example.com`, /U\+00AD/],
    ['a byte order mark', (l: string) => `${l}\ufeff@example.com`, /U\+FEFF/],
    ['a word joiner', (l: string) => `${l}\u2060@example.com`, /U\+2060/],
    ['an Arabic letter mark', (l: string) => `${l}\u061c@example.com`, /U\+061C/],
    ['a lone surrogate', (l: string) => `${l}\ud800@example.com`, /broken character/],
  ])('refuses a variant of an existing email with %s (400, errors.email)', async (_, variant, message) => {
    const local = freshLetters()
    expect((await register({ email: `${local}@example.com` })).status).toBe(201)
    const res = await register({ email: variant(local) })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors?.email).toMatch(message)
  })

  it('folds a fullwidth spelling of an existing email onto it: 409 taken', async () => {
    const local = freshLetters()
    expect((await register({ email: `${local}@example.com` })).status).toBe(201)
    for (const email of [fullwidth(`${local}@example.com`), fullwidth(`${local.toUpperCase()}@EXAMPLE.COM`)]) {
      const res = await register({ email })
      expect(res.status).toBe(409)
      expect((await problemOf(res)).errors?.email).toBeTruthy()
    }
  })

  it('stores a fullwidth address as its plain form, and signs in with either spelling', async () => {
    const local = freshLetters()
    const res = await register({ email: fullwidth(`${local}@example.com`) })
    expect(res.status).toBe(201)
    expect(((await res.json()) as { user: { email: string } }).user.email).toBe(`${local}@example.com`)
    for (const email of [`${local}@example.com`, fullwidth(`${local}@EXAMPLE.com`)]) {
      const login = await call('/api/auth/login', {
        body: { email, password: PASSWORD },
        headers: { 'cf-connecting-ip': freshAddress() },
      })
      expect(login.status).toBe(200)
    }
  })

  it('accepts an address written wholly in one other script', async () => {
    const suffix = String(crypto.getRandomValues(new Uint32Array(1))[0])
    const res = await register({ email: `иван${suffix}@пример.рф` })
    expect(res.status).toBe(201)
  })
})

describe('honest names', () => {
  it.each([
    ['firstName', 'a right-to-left override', 'Mal\u202elory', /U\+202E/],
    ['lastName', 'a zero-width space', 'Smi\u200bth', /U\+200B/],
    ['firstName', 'a first-strong isolate', '\u2068Eve', /U\+2068/],
    ['lastName', 'a left-to-right mark', 'Doe\u200e', /U\+200E/],
    ['firstName', 'a line separator', 'Ada\u2028Lovelace', /line breaks/],
    ['lastName', 'a lone surrogate', 'Lo\udc00ve', /broken character/],
  ])('refuses a %s with %s at registration and keeps nothing', async (field, _, name, message) => {
    const email = `${freshLetters()}@example.com`
    const res = await register({ email, [field]: name })
    expect(res.status).toBe(400)
    const problem = await problemOf(res)
    expect(problem.errors?.[field]).toMatch(message)
    expect(problem.errors?.[field]).toMatch(/remove|line breaks|type it again/)
    expect((await register({ email })).status).toBe(201)
  })

  it.each([
    ['an emoji ZWJ sequence', '\u{1F469}\u200d\u{1F4BB} Dev', '\u{1F469}\u200d\u{1F4BB} Dev'],
    ['a Persian name with a ZWNJ', 'مهر\u200cناز', 'مهر\u200cناز'],
    ['a subdivision flag', `Ian ${SCOTLAND}`, `Ian ${SCOTLAND}`],
    ['a decomposed accent, stored composed (NFC)', 'Rene\u0301e', 'Ren\u00e9e'],
  ])('accepts a name with %s', async (_, name, stored) => {
    const res = await register({ email: `${freshLetters()}@example.com`, firstName: name })
    expect(res.status).toBe(201)
    expect(((await res.json()) as { user: { firstName: string } }).user.firstName).toBe(stored)
  })

  it('refuses bidi and invisible characters in PATCH /api/me and changes nothing', async () => {
    const me = await signUp({ firstName: 'Ada' })
    for (const firstName of ['\u202eAda', 'A\u200bda', 'Ada\u2066', 'A\ufeffda']) {
      const res = await call('/api/me', { method: 'PATCH', cookie: me.cookie, body: { firstName } })
      expect(res.status).toBe(400)
      expect((await problemOf(res)).errors?.firstName).toMatch(/invisible/)
    }
    const after = (await (await call('/api/me', { cookie: me.cookie })).json()) as { user: { firstName: string } }
    expect(after.user.firstName).toBe('Ada')
  })

  it('applies the same name rules to the admin edit of a user', async () => {
    const [staff, target] = await Promise.all([signUp(), signUp({ lastName: 'Target' })])
    await env.DB.prepare('update users set is_staff = 1 where id = ?').bind(staff.id).run()
    const patch = (body: unknown) =>
      call(`/api/admin/users/${target.id}`, { method: 'PATCH', cookie: staff.cookie, body })
    const bad = await patch({ lastName: 'Tar\u202eget' })
    expect(bad.status).toBe(400)
    expect((await problemOf(bad)).errors?.lastName).toMatch(/U\+202E/)
    const lone = await patch({ firstName: '\ud83dX' })
    expect(lone.status).toBe(400)
    expect((await problemOf(lone)).errors?.firstName).toMatch(/broken character/)
    const good = await patch({ firstName: FAMILY, lastName: 'Cafe\u0301' })
    expect(good.status).toBe(200)
    expect(((await good.json()) as { user: Record<string, string> }).user).toMatchObject({
      firstName: FAMILY,
      lastName: 'Caf\u00e9',
    })
  })
})

describe('honest message bodies', () => {
  async function pair(): Promise<[SignedUp, SignedUp]> {
    return (await Promise.all([signUp(), signUp()])) as [SignedUp, SignedUp]
  }

  it('refuses a send whose body has a lone surrogate with bad-frame, and stores nothing', async () => {
    const [a, b] = await pair()
    const wa = await openChat(a.cookie, b.id)
    const wb = await openChat(b.cookie, a.id)
    // Escaped in the JSON text, as a client's JSON.stringify of a broken string sends it.
    wa.send('{"type":"send","clientId":"lone-1","body":"half a pair: \\ud800!"}')
    const error = await wa.nextOfType('error')
    expect(error).toMatchObject({ type: 'error', code: 'bad-frame', clientId: 'lone-1' })
    expect(await wb.silentFor((f) => f.type === 'message', 300)).toBe(true)
    const history = (await (await call(`/api/conversations/${b.id}/messages`, { cookie: a.cookie })).json()) as {
      messages: unknown[]
    }
    expect(history.messages).toEqual([])
    // The socket stays open, and a surrogate pair (an emoji) is stored as sent.
    wa.send('{"type":"send","clientId":"pair-1","body":"a whole pair: \\ud83d\\ude00"}')
    const ack = await wa.nextOfType('message')
    expect(ack.message).toMatchObject({ seq: 1, clientId: 'pair-1', body: 'a whole pair: 😀' })
    wa.close()
    wb.close()
  })

  it('refuses a lone low surrogate and a clientId with a lone surrogate too', async () => {
    const [a, b] = await pair()
    const wa = await openChat(a.cookie, b.id)
    wa.send('{"type":"send","clientId":"lone-2","body":"\\udfffx"}')
    expect(await wa.nextOfType('error')).toMatchObject({ code: 'bad-frame', clientId: 'lone-2' })
    wa.send('{"type":"send","clientId":"id-\\ud800","body":"hello"}')
    expect(await wa.nextOfType('error')).toMatchObject({ code: 'bad-frame' })
    const history = (await (await call(`/api/conversations/${b.id}/messages`, { cookie: a.cookie })).json()) as {
      messages: unknown[]
    }
    expect(history.messages).toEqual([])
    wa.close()
  })
})
