// `wrangler dev` for the bench's own servers: its own process group (for /proc sampling
// and for killing it whole), loopback only, output to a callback, ready once
// GET /api/health answers.
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { QUIET_ENV, ROOT, stopProcessGroup } from '../../scripts/lib/dev-server.ts'

export interface WranglerOptions {
  /** The project directory wrangler runs in (its wrangler.toml unless `config` is given). */
  cwd: string
  config?: string
  /** Another entry than the config's `main` (the bench's counting entry). */
  script?: string
  port: number
  persistTo: string
  vars?: Record<string, string>
  inspectorPort?: number
  log: (line: string) => void
}

export interface WranglerServer {
  url: string
  process: ChildProcess
  stop(): Promise<void>
}

const START_TIMEOUT_MS = 90_000

export async function startWrangler(opts: WranglerOptions): Promise<WranglerServer> {
  const args = [
    'dev',
    ...(opts.script ? [opts.script] : []),
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--persist-to',
    opts.persistTo,
  ]
  args.push('--show-interactive-dev-session=false')
  if (opts.config) args.push('--config', opts.config)
  // Profiling: the inspector a DevTools client attaches to (bench/README.md, "Profiling").
  if (opts.inspectorPort) args.push('--inspector-port', String(opts.inspectorPort))
  for (const [k, v] of Object.entries(opts.vars ?? {})) args.push('--var', `${k}:${v}`)
  const child = spawn(join(ROOT, 'node_modules/.bin/wrangler'), args, {
    cwd: opts.cwd,
    // Local observability (a trace per invocation, written to a SQLite store) and the local
    // explorer are dev-time tools: off for every target, so the bench measures the Worker.
    env: { ...QUIET_ENV, X_LOCAL_OBSERVABILITY: 'false', X_LOCAL_EXPLORER: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8')
    stream?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim()) opts.log(line)
    })
  }
  const url = `http://127.0.0.1:${opts.port}`
  const stop = () => stopProcessGroup(child)
  const deadline = Date.now() + START_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`)
    try {
      if ((await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) })).ok) {
        return { url, process: child, stop }
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  await stop()
  throw new Error(`wrangler dev on ${url} did not answer /api/health within ${START_TIMEOUT_MS / 1000} s`)
}
