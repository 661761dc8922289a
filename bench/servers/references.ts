// The two reference relays the bench starts beside Parley: the in-memory Node relay in
// its own process, and the bare relay Durable Object under its own `wrangler dev` (the
// same workerd as Parley). Each lives in its own process group, for /proc sampling.
import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import { dirname, join } from 'node:path'
import { QUIET_ENV, ROOT, stopProcessGroup } from '../../scripts/lib/dev-server.ts'
import { startWrangler } from './wrangler.ts'

export interface ReferenceServer {
  url: string
  pgid: number | undefined
  stop(): Promise<void>
}

const BIN = join(ROOT, 'node_modules/.bin')
const START_TIMEOUT_MS = 90_000

export function startNodeRelay(port: number, logPath: string): Promise<ReferenceServer> {
  const child = spawn(join(BIN, 'node'), [join(ROOT, 'bench/reference/node-relay.ts'), '--port', String(port)], {
    cwd: ROOT,
    env: QUIET_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  return ready(child, `http://127.0.0.1:${port}`, logPath)
}

/** The relay DO's counting entry (the cost pass), beside its index.ts. */
export const RELAY_PROBE_ENTRY = 'cost-probe.js'

export async function startRelayWorker(
  port: number,
  persistTo: string,
  logPath: string,
  script: string | null = null,
): Promise<ReferenceServer> {
  const log = openLog(logPath, `http://127.0.0.1:${port}`)
  const server = await startWrangler({
    cwd: join(ROOT, 'bench/reference/relay-worker'),
    ...(script ? { script } : {}),
    port,
    persistTo,
    ...(process.env.PARLEY_BENCH_RELAY_INSPECTOR_PORT
      ? { inspectorPort: Number(process.env.PARLEY_BENCH_RELAY_INSPECTOR_PORT) }
      : {}),
    log: (line) => log.write(`${line}\n`),
  }).catch((err: unknown) => {
    log.end()
    throw err
  })
  return {
    url: server.url,
    pgid: server.process.pid,
    stop: async () => {
      await server.stop()
      log.end()
    },
  }
}

function openLog(path: string, url: string): WriteStream {
  mkdirSync(dirname(path), { recursive: true })
  const log = createWriteStream(path, { flags: 'a' })
  log.write(`\n=== ${url} at ${new Date().toISOString()} ===\n`)
  return log
}

async function ready(child: ChildProcess, url: string, logPath: string): Promise<ReferenceServer> {
  const log = openLog(logPath, url)
  child.stdout?.pipe(log, { end: false })
  child.stderr?.pipe(log, { end: false })
  const stop = async () => {
    await stopProcessGroup(child)
    log.end()
  }
  const deadline = Date.now() + START_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break
    try {
      if ((await fetch(`${url}/api/health`)).ok) return { url, pgid: child.pid, stop }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  await stop()
  throw new Error(`${url} did not become healthy (see ${logPath})`)
}
