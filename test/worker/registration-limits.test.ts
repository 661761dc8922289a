// Issue 10: registration attempts count before the email is looked up, taken emails
// included, and an address that keeps hitting taken emails is refused.
import { describe, expect, it } from 'vitest'
import { call, freshAddress, PASSWORD, problemOf, signUp, uniqueEmail } from './helpers/http.ts'
import { drain, statuses, useVars } from './helpers/limits.ts'

const { setVars } = useVars()

const register = (email: string, address: string) =>
  call('/api/auth/register', { body: { email, password: PASSWORD }, headers: { 'cf-connecting-ip': address } })

describe('registrations of taken emails', () => {
  it('refuses every registration from an address after 20 taken emails, before looking the email up', async () => {
    const { email } = await signUp()
    const address = freshAddress()
    for (let i = 0; i < 20; i++) {
      const res = await register(email, address)
      expect(res.status).toBe(409)
      await res.body?.cancel()
    }
    const taken = await register(email, address)
    const fresh = await register(uniqueEmail('fresh'), address)
    expect(taken.status).toBe(429)
    expect(fresh.status).toBe(429)
    expect(Number(taken.headers.get('retry-after'))).toBeGreaterThan(0)
    // Same answer for a taken and a new email: the refusal tells nothing about either.
    expect(await problemOf(taken)).toEqual(await problemOf(fresh))
    const elsewhere = await register(email, freshAddress())
    expect(elsewhere.status).toBe(409)
    await elsewhere.body?.cancel()
  })

  it('answers at most 20 of 40 parallel registrations of a taken email with 409, the rest 429', async () => {
    const { email } = await signUp()
    const address = freshAddress()
    const responses = await Promise.all(Array.from({ length: 40 }, () => register(email, address)))
    const counts = statuses(responses)
    expect(counts[409] ?? 0).toBeGreaterThan(0)
    expect(counts[409] ?? 0).toBeLessThanOrEqual(20)
    expect((counts[409] ?? 0) + (counts[429] ?? 0)).toBe(40)
    await drain(responses)
  })

  it('does not hold a burst of new emails from one address against the taken-email limit', async () => {
    setVars({ REGISTRATION_TAKEN_PER_IP: '2' })
    const address = freshAddress()
    const responses = await Promise.all(Array.from({ length: 6 }, () => register(uniqueEmail('burst'), address)))
    expect(statuses(responses)).toEqual({ 201: 6 })
    await drain(responses)
  }, 60_000)
})

describe('registrations per address', () => {
  it('counts every attempt in the address window, taken emails included', async () => {
    setVars({ REGISTRATIONS_PER_IP: '3' })
    const { email } = await signUp()
    const address = freshAddress()
    for (let i = 0; i < 3; i++) {
      const res = await register(email, address)
      expect(res.status).toBe(409)
      await res.body?.cancel()
    }
    const res = await register(uniqueEmail('fourth'), address)
    expect(res.status).toBe(429)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await problemOf(res)).type).toBe('/problems/rate-limited')
  })
})
