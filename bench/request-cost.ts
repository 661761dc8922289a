// For the one-request cost benches (upload-cost.ts, export-cost.ts): an account to act as,
// and what one request costs the server's workerd processes, read from /proc.
import { sampleGroup } from './servers/process-group.ts'

export interface Member {
  id: string
  cookie: string
}

/** Registers `email` (with `firstName`, when given) and keeps the session cookie it answers with. */
export async function register(url: string, email: string, firstName?: string): Promise<Member> {
  const res = await fetch(`${url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'a long bench passphrase', firstName }),
  })
  if (res.status !== 201) throw new Error(`register answered ${res.status}`)
  const { user } = (await res.json()) as { user: { id: string } }
  return {
    id: user.id,
    cookie: res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; '),
  }
}

export interface Cost<T> {
  /** What `work` resolved to. */
  result: T
  /** From just before `work` started until it resolved. */
  wallMs: number
  /** CPU time the workerd processes spent, from their idle sample to 200 ms after `work`. */
  cpuMs: number
  /** Their peak resident memory above the idle level, sampled every 10 ms. */
  peakMiB: number
  /** Their resident memory when idle, before `work`. */
  idleMiB: number
}

/**
 * Lets the server settle for 1.5 s, samples the process group `pgid` idle, runs `work`
 * (given the time it started) while sampling workerd's memory every 10 ms, and 200 ms after
 * it resolves samples again.
 */
export async function measureCost<T>(
  pgid: number | undefined,
  work: (started: number) => Promise<T>,
): Promise<Cost<T>> {
  await new Promise((r) => setTimeout(r, 1500))
  const idle = sampleGroup(pgid)
  let peak = idle.workerdRssMiB
  const sampler = setInterval(() => {
    peak = Math.max(peak, sampleGroup(pgid).workerdRssMiB)
  }, 10)
  const started = Date.now()
  const result = await work(started)
  const wallMs = Date.now() - started
  await new Promise((r) => setTimeout(r, 200))
  clearInterval(sampler)
  const done = sampleGroup(pgid)
  return {
    result,
    wallMs,
    cpuMs: Math.round((done.workerdCpuS - idle.workerdCpuS) * 1000),
    peakMiB: Math.round((peak - idle.workerdRssMiB) * 10) / 10,
    idleMiB: idle.workerdRssMiB,
  }
}
