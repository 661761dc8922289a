// Helpers for tests of limits: [vars] overridden for one test, and tallies of answers.
import { env } from 'cloudflare:test'
import { afterEach } from 'vitest'

type Vars = Partial<Record<keyof Cloudflare.Env, string>>

/**
 * `setVars` overrides [vars] for the current test (the Worker reads `env` on every
 * request); each test's overrides are undone after it.
 */
export function useVars(): { setVars: (vars: Vars) => void } {
  const saved: Vars = {}
  const bag = env as unknown as Record<string, string | undefined>
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) bag[k] = v
    for (const k of Object.keys(saved)) delete saved[k as keyof Vars]
  })
  return {
    setVars(vars) {
      for (const [k, v] of Object.entries(vars)) {
        if (!(k in saved)) saved[k as keyof Vars] = bag[k]
        bag[k] = v
      }
    },
  }
}

/** How many responses had each status. */
export function statuses(responses: Response[]): Record<number, number> {
  const counts: Record<number, number> = {}
  for (const r of responses) counts[r.status] = (counts[r.status] ?? 0) + 1
  return counts
}

/** Cancels the bodies nobody read, so the runtime does not hold them. */
export async function drain(responses: Response[]): Promise<void> {
  await Promise.all(responses.filter((r) => !r.bodyUsed).map((r) => r.body?.cancel()))
}
