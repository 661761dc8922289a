// What checking the session costs a signed-in request (issue 15, ADR 010): a `wrangler dev`
// of this tree on its own state, one user with no conversations, and requests asked in five
// ways, interleaved so they share the machine's noise:
//   anonymous   GET /api/conversations, no cookie: routing and a 401, no crypto, no storage;
//   forged      the same with a JWT whose signature is wrong: the HMAC check, then a 401;
//   ended       the JWT of a session that was logged out: the session check, then a 401;
//   live        a live session: the session check, then the (empty) list from the inbox;
//   live-me     GET /api/me, whose roles are read from D1 on every request.
// `live − forged` is the session check plus the list's own inbox call. Latency is the
// client's, over loopback; CPU is the workerd process group's, from /proc, per request.
// Run: `npm run bench:session` (results/session-read.json).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { applyLocalMigrations, buildClient, ensureDevVars, ROOT, startDevServer } from '../scripts/lib/dev-server.ts'
import { type Percentiles, percentilesOf } from './load/stats.ts'
import { register } from './request-cost.ts'
import { sampleGroup } from './servers/process-group.ts'

const ROUNDS = Number(process.env.ROUNDS ?? 2000)
const CPU_REQUESTS = Number(process.env.CPU_REQUESTS ?? 1000)
const PORT = Number(process.env.PORT ?? 8796)

type Kind = 'anonymous' | 'forged' | 'ended' | 'live' | 'live-me'

ensureDevVars()
buildClient()
const persistTo = mkdtempSync(join(tmpdir(), 'parley-session-'))
applyLocalMigrations(persistTo)
const server = await startDevServer({ port: PORT, persistTo, log: () => {} })
try {
  const stamp = Date.now()
  const live = await register(server.url, `session-live-${stamp}@example.com`, 'Ann')
  const ended = await register(server.url, `session-ended-${stamp}@example.com`, 'Bob')
  const out = await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { cookie: ended.cookie } })
  if (out.status !== 204) throw new Error(`logout answered ${out.status}`)
  const [name, token] = live.cookie.split('=') as [string, string]
  const forged = `${name}=${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`
  const cookies: Record<Kind, string | null> = {
    anonymous: null,
    forged,
    ended: ended.cookie,
    live: live.cookie,
    'live-me': live.cookie,
  }
  const expected: Record<Kind, number> = { anonymous: 401, forged: 401, ended: 401, live: 200, 'live-me': 200 }
  const kinds = Object.keys(cookies) as Kind[]

  const ask = async (kind: Kind): Promise<number> => {
    const cookie = cookies[kind]
    const started = performance.now()
    const path = kind === 'live-me' ? '/api/me' : '/api/conversations'
    const res = await fetch(`${server.url}${path}`, { headers: cookie ? { cookie } : {} })
    await res.arrayBuffer()
    if (res.status !== expected[kind]) throw new Error(`${kind}: GET ${path} answered ${res.status}`)
    return performance.now() - started
  }

  for (let i = 0; i < 50; i++) for (const k of kinds) await ask(k)
  const times = Object.fromEntries(kinds.map((k) => [k, [] as number[]])) as Record<Kind, number[]>
  for (let i = 0; i < ROUNDS; i++) for (const k of kinds) times[k].push(await ask(k))

  const pgid = server.process.pid
  const cpuMsPerRequest = {} as Record<Kind, number>
  for (const k of kinds) {
    await new Promise((r) => setTimeout(r, 1000))
    const before = sampleGroup(pgid)
    for (let i = 0; i < CPU_REQUESTS; i++) await ask(k)
    const after = sampleGroup(pgid)
    cpuMsPerRequest[k] = Math.round(((after.workerdCpuS - before.workerdCpuS) * 1e6) / CPU_REQUESTS) / 1000
  }

  const latencyMs = Object.fromEntries(kinds.map((k) => [k, percentilesOf(Float64Array.from(times[k]))])) as Record<
    Kind,
    Percentiles
  >
  const summary = {
    at: new Date().toISOString(),
    rounds: ROUNDS,
    latencyMs,
    cpuMsPerRequest,
    liveMinusForgedMs: {
      p50: round3(latencyMs.live.p50 - latencyMs.forged.p50),
      cpu: round3(cpuMsPerRequest.live - cpuMsPerRequest.forged),
    },
  }
  writeFileSync(join(ROOT, 'bench/results/session-read.json'), `${JSON.stringify(summary, null, 2)}\n`)
  console.log(JSON.stringify(summary, null, 2))
} finally {
  await server.stop()
  rmSync(persistTo, { recursive: true, force: true })
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000
}
