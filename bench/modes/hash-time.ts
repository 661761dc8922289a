// argon2id's cost inside workerd, seen from outside: a failed login for an unknown email
// still hashes once (so timing does not reveal which emails exist); GET /api/health does
// no hashing. The difference of the medians bounds the hash time from above, since the
// login also makes a D1 lookup and a few rate-limiter calls.
import { randomBytes } from 'node:crypto'
import { requestJson } from '../load/http.ts'
import { median, type NetCounters, round2 } from '../load/stats.ts'

export interface HashTime {
  samples: number
  healthMedianMs: number
  failedLoginMedianMs: number
  /** failedLogin − health: the dummy hash plus a lookup and rate-limiter calls. */
  hashEstimateMs: number
  statuses: Record<string, number>
}

export async function measureHashTime(baseUrl: string, samples: number, counters: NetCounters): Promise<HashTime> {
  const health: number[] = []
  const login: number[] = []
  const statuses: Record<string, number> = {}
  // Interleaved, with one unmeasured round first, so both see the same warm server.
  for (let i = 0; i <= samples; i++) {
    let t = performance.now()
    await requestJson(counters, `${baseUrl}/api/health`)
    if (i > 0) health.push(performance.now() - t)
    const email = `nobody-${randomBytes(6).toString('hex')}@parley-bench.test`
    t = performance.now()
    const res = await requestJson(counters, `${baseUrl}/api/auth/login`, {
      method: 'POST',
      body: { email, password: 'not-the-password-42' },
    })
    if (i > 0) {
      login.push(performance.now() - t)
      statuses[res.status] = (statuses[res.status] ?? 0) + 1
    }
  }
  const healthMedianMs = median(health)
  const failedLoginMedianMs = median(login)
  return {
    samples,
    healthMedianMs,
    failedLoginMedianMs,
    hashEstimateMs: round2(failedLoginMedianMs - healthMedianMs),
    statuses,
  }
}
