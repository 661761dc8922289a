// Issue 10: sign-in and password-change attempts are counted before their hash, and each
// isolate hashes only a few passwords at once, refusing the excess at once.
import { env } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { hashPassword, hashPasswordSliced, verifyPassword, verifyPasswordSliced } from '../../worker/crypto/password.ts'
import { HASH_SLOT_LEASE_MS, type HashSlot, HashSlots, passwordHashing } from '../../worker/limits/hash-slots.ts'
import { call, freshAddress, PASSWORD, problemOf, signUp, uniqueEmail } from './helpers/http.ts'
import { drain, statuses, useVars } from './helpers/limits.ts'

const { setVars } = useVars()

let held: HashSlot[] = []

/** Takes every hash slot of this isolate (test and Worker share it), so the next sign-in finds none. */
async function holdAllSlots() {
  setVars({ PASSWORD_HASHES_IN_FLIGHT: '1', PASSWORD_HASH_QUEUE: '0' })
  const slot = await passwordHashing.take({ inFlight: 1, queue: 0 })
  if (!slot) throw new Error('a hash slot was already taken')
  held.push(slot)
}

function releaseSlots() {
  for (const slot of held) slot.release()
  held = []
}

afterEach(releaseSlots)

const login = (email: string, password: string, address = freshAddress()) =>
  call('/api/auth/login', { body: { email, password }, headers: { 'cf-connecting-ip': address } })

describe('sign-in attempts are counted before the password is checked', () => {
  it('checks at most 10 of 40 parallel wrong passwords for one email and refuses the rest with 429', async () => {
    const { email } = await signUp()
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => login(email, `wrong password ${i}`)))
    const counts = statuses(responses)
    expect(counts[401] ?? 0).toBeGreaterThan(0)
    expect(counts[401] ?? 0).toBeLessThanOrEqual(10)
    expect((counts[401] ?? 0) + (counts[429] ?? 0)).toBe(40)
    for (const r of responses.filter((r) => r.status === 429))
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0)
    await drain(responses)
  }, 120_000)

  it('gives no session to the right password sent while 49 wrong ones are being checked', async () => {
    const { email } = await signUp()
    const wrong = Array.from({ length: 49 }, (_, i) => login(email, `wrong password ${i}`))
    // By the time one guess has been checked, all 49 have asked the limiter.
    await Promise.race(wrong)
    const right = await login(email, PASSWORD)
    expect(right.status).toBe(429)
    expect(right.headers.get('set-cookie')).toBeNull()
    const settled = await Promise.all(wrong)
    expect(settled.some((r) => r.status === 200)).toBe(false)
    expect(statuses(settled)[401] ?? 0).toBeLessThanOrEqual(10)
    expect((await login(email, PASSWORD)).status).toBe(429)
    await drain([right, ...settled])
  }, 120_000)

  it('checks at most 30 of 100 parallel wrong sign-ins from one address', async () => {
    const address = freshAddress()
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => login(uniqueEmail('spray'), 'wrong password!', address)),
    )
    const counts = statuses(responses)
    expect(counts[401] ?? 0).toBeGreaterThan(0)
    expect(counts[401] ?? 0).toBeLessThanOrEqual(30)
    expect((counts[401] ?? 0) + (counts[429] ?? 0)).toBe(100)
    await drain(responses)
  }, 180_000)

  it("counts a deactivated account's right password as a failure, though it is told why", async () => {
    const { email, id } = await signUp()
    await env.DB.prepare('update users set is_active = 0 where id = ?').bind(id).run()
    const wrong = await Promise.all(Array.from({ length: 9 }, (_, i) => login(email, `wrong password ${i}`)))
    expect(statuses(wrong)).toEqual({ 401: 9 })
    const right = await login(email, PASSWORD)
    expect(right.status).toBe(403)
    expect((await problemOf(right)).type).toBe('/problems/account-deactivated')
    // The right password was the 10th failure: the next guess is refused, as after any 10.
    const next = await login(email, 'wrong password 10')
    expect(next.status).toBe(429)
    await drain([...wrong, next])
  }, 120_000)

  it('still signs in with the right password after a few failures', async () => {
    const { email } = await signUp()
    const wrong = await Promise.all(Array.from({ length: 3 }, (_, i) => login(email, `wrong password ${i}`)))
    expect(statuses(wrong)).toEqual({ 401: 3 })
    expect((await login(email, PASSWORD)).status).toBe(200)
    await drain(wrong)
  }, 60_000)
})

describe('password change attempts are counted before the password is checked', () => {
  it('checks at most 10 of 40 parallel wrong current passwords and refuses the rest with 429', async () => {
    const { cookie } = await signUp()
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        call('/api/me/password', {
          cookie,
          body: { currentPassword: `not my password ${i}`, newPassword: 'another good passphrase' },
        }),
      ),
    )
    const counts = statuses(responses)
    expect(counts[400] ?? 0).toBeGreaterThan(0)
    expect(counts[400] ?? 0).toBeLessThanOrEqual(10)
    expect((counts[400] ?? 0) + (counts[429] ?? 0)).toBe(40)
    const right = await call('/api/me/password', {
      cookie,
      body: { currentPassword: PASSWORD, newPassword: 'another good passphrase' },
    })
    expect(right.status).toBe(429)
    await drain([...responses, right])
  }, 120_000)
})

describe('password hashes in flight per isolate', () => {
  it('refuses sign-ins beyond the slots and the queue at once with 429 and Retry-After, none 500', async () => {
    setVars({ PASSWORD_HASHES_IN_FLIGHT: '1', PASSWORD_HASH_QUEUE: '1' })
    const { email } = await signUp()
    const responses = await Promise.all(Array.from({ length: 8 }, () => login(uniqueEmail('crowd'), 'wrong password!')))
    const counts = statuses(responses)
    // One hashes and one waits its turn; the others arrive while both are taken.
    expect(counts[401] ?? 0).toBeGreaterThan(0)
    expect(counts[429] ?? 0).toBeGreaterThanOrEqual(4)
    expect((counts[401] ?? 0) + (counts[429] ?? 0)).toBe(8)
    for (const r of responses.filter((r) => r.status === 429)) {
      expect(r.headers.get('retry-after')).toBe('1')
      const problem = await problemOf(r)
      expect(problem.type).toBe('/problems/busy')
      expect(problem.detail).toMatch(/busy/i)
    }
    expect((await login(email, PASSWORD)).status).toBe(200)
    await drain(responses)
  }, 60_000)

  it('refuses without hashing or waiting, and answers an existing and an unknown email alike', async () => {
    const { email } = await signUp()
    await holdAllSlots()
    // Each answer comes back while the only slot is held: nobody waited for it.
    const known = await login(email, PASSWORD)
    const unknown = await login(uniqueEmail('nobody'), PASSWORD)
    expect(known.status).toBe(429)
    expect(unknown.status).toBe(429)
    expect(known.headers.get('retry-after')).toBe(unknown.headers.get('retry-after'))
    expect(await problemOf(known)).toEqual(await problemOf(unknown))
  })

  it('does not count a sign-in refused for being busy, for the email or the address', async () => {
    const { email } = await signUp()
    const address = freshAddress()
    setVars({ LOGIN_FAILS_PER_EMAIL: '3', LOGIN_FAILS_PER_IP: '3' })
    await holdAllSlots()
    const busy = await Promise.all(Array.from({ length: 8 }, (_, i) => login(email, `wrong password ${i}`, address)))
    expect(statuses(busy)).toEqual({ 429: 8 })
    releaseSlots()
    setVars({ PASSWORD_HASH_QUEUE: '32' })
    // Had the eight counted, both limits (3) would refuse these.
    for (let i = 0; i < 3; i++) expect((await login(email, `wrong password ${i}`, address)).status).toBe(401)
    expect((await login(email, PASSWORD, address)).status).toBe(429)
    await drain(busy)
  }, 60_000)

  it('refuses a registration and a password change when busy, and neither counts', async () => {
    const { cookie } = await signUp()
    const email = uniqueEmail('later')
    const address = freshAddress()
    await holdAllSlots()
    const register = await call('/api/auth/register', {
      body: { email, password: PASSWORD },
      headers: { 'cf-connecting-ip': address },
    })
    expect(register.status).toBe(429)
    expect((await problemOf(register)).type).toBe('/problems/busy')
    const change = await call('/api/me/password', {
      cookie,
      body: { currentPassword: PASSWORD, newPassword: 'another good passphrase' },
    })
    expect(change.status).toBe(429)
    expect((await problemOf(change)).type).toBe('/problems/busy')
    releaseSlots()
    setVars({ PASSWORD_HASH_QUEUE: '32' })
    const again = await call('/api/auth/register', {
      body: { email, password: PASSWORD },
      headers: { 'cf-connecting-ip': address },
    })
    expect(again.status).toBe(201)
    const changed = await call('/api/me/password', {
      cookie,
      body: { currentPassword: PASSWORD, newPassword: 'another good passphrase' },
    })
    expect(changed.status).toBe(204)
    await again.body?.cancel()
  }, 60_000)
})

describe('hash slots', () => {
  it('takes back a slot whose request never released it, once its lease is over', async () => {
    const slots = new HashSlots()
    const bound = { inFlight: 1, queue: 0 }
    expect(await slots.take(bound, 0)).not.toBeNull()
    expect(await slots.take(bound, 1_000)).toBeNull()
    expect(await slots.take(bound, HASH_SLOT_LEASE_MS)).not.toBeNull()
  })

  it('lets a waiter in when a slot is released, first come first served', async () => {
    const slots = new HashSlots()
    const bound = { inFlight: 1, queue: 2 }
    const first = await slots.take(bound)
    const order: string[] = []
    const second = slots.take(bound).then((s) => {
      order.push('second')
      return s
    })
    const third = slots.take(bound).then((s) => {
      order.push('third')
      return s
    })
    expect(await slots.take(bound)).toBeNull()
    first?.release()
    ;(await second)?.release()
    ;(await third)?.release()
    expect(order).toEqual(['second', 'third'])
  })
})

describe('sliced argon2id', () => {
  it('makes the same hashes as the one-piece argon2id, so stored hashes still verify', async () => {
    const weak = { m: 1024, t: 1, p: 1 }
    expect(await verifyPasswordSliced(PASSWORD, hashPassword(PASSWORD, weak))).toBe(true)
    expect(verifyPassword(PASSWORD, await hashPasswordSliced(PASSWORD, weak))).toBe(true)
    expect(await verifyPasswordSliced('not the password', hashPassword(PASSWORD, weak))).toBe(false)
    expect(await verifyPasswordSliced(PASSWORD, hashPassword(PASSWORD))).toBe(true)
  })
})
