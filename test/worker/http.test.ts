import { describe, expect, it } from 'vitest'
import { call } from './helpers/http.ts'

describe('http', () => {
  it('answers health with ok', async () => {
    const res = await call('/api/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true })
  })

  it.each(['/api/health', '/api/me', '/api/nope'])('puts the security headers on %s', async (path) => {
    const res = await call(path)
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('referrer-policy')).toBeTruthy()
  })

  it('answers an unknown API route with a 404 problem', async () => {
    const res = await call('/api/does-not-exist')
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
  })
})
