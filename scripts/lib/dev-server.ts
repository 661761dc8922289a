// Starting Parley locally: dev secrets, local D1 migrations, the client build and
// `wrangler dev`. Used by `npm run dev`, the browser tests and the bench.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '../..')
const BIN = join(ROOT, 'node_modules/.bin')

/** Keeps wrangler off the network: no telemetry, no update checks. */
export const QUIET_ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  CLOUDFLARE_TELEMETRY_DISABLED: '1',
  NO_UPDATE_NOTIFIER: '1',
  // Our own node_modules/.bin first, so tools run on the pinned Node.
  PATH: `${BIN}:${process.env.PATH ?? ''}`,
}

/** A fresh Fernet key: 32 random bytes, base64url. */
export const fernetKey = () => `${randomBytes(32).toString('base64url')}=`

/** A VAPID (P-256) key pair: the raw uncompressed public point and the private scalar, base64url. */
export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const jwk = privateKey.export({ format: 'jwk' })
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')])
  return { publicKey: point.toString('base64url'), privateKey: jwk.d! }
}

let vapid: { publicKey: string; privateKey: string } | undefined
const vapidPair = () => {
  vapid ??= generateVapidKeys()
  return vapid
}

/** The secrets `wrangler dev` needs, generated into .dev.vars when it is absent. */
export const DEV_SECRETS: Record<string, () => string> = {
  FERNET_KEYS: fernetKey,
  JWT_SECRET: () => randomBytes(32).toString('base64url'),
  NAME_INDEX_KEY: () => randomBytes(32).toString('base64url'),
  VAPID_PUBLIC_KEY: () => vapidPair().publicKey,
  VAPID_PRIVATE_KEY: () => vapidPair().privateKey,
}

/** Writes missing secrets to .dev.vars, keeping any that are already there. */
export function ensureDevVars(): void {
  const path = join(ROOT, '.dev.vars')
  const current = existsSync(path) ? readFileSync(path, 'utf8') : ''
  const have = new Set(current.split('\n').map((l) => l.split('=')[0]?.trim()))
  const missing = Object.entries(DEV_SECRETS).filter(([name]) => !have.has(name))
  if (missing.length === 0) return
  const lines = missing.map(([name, make]) => `${name}="${make()}"`)
  const prefix = current && !current.endsWith('\n') ? '\n' : ''
  writeFileSync(path, `${current}${prefix}${lines.join('\n')}\n`, { mode: 0o600 })
  console.log(`[parley] generated dev secrets in .dev.vars: ${missing.map(([n]) => n).join(', ')}`)
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(join(BIN, cmd), args, { cwd: ROOT, env: QUIET_ENV, stdio: 'inherit' })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`)
}

export function applyLocalMigrations(persistTo?: string): void {
  const args = ['d1', 'migrations', 'apply', 'DB', '--local']
  if (persistTo) args.push('--persist-to', persistTo)
  run('wrangler', args)
}

export function buildClient(): void {
  run('vite', ['build', '--config', 'client/vite.config.ts', '--logLevel', 'warn'])
}

/** A port nothing listens on right now: the OS picks one, we release it for wrangler. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))))
    })
  })
}

export interface DevServerOptions {
  port: number
  /** Local state directory (D1, Durable Objects); wrangler's default when absent. */
  persistTo?: string
  /** Extra `--var` values, e.g. raised rate limits for the bench. */
  vars?: Record<string, string>
  /** Pipe wrangler's output here instead of inheriting the terminal. */
  log?: (line: string) => void
}

export interface DevServer {
  url: string
  process: ChildProcess
  stop(): Promise<void>
}

/** Starts `wrangler dev` and resolves once GET /api/health answers 200. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--show-interactive-dev-session=false']
  if (opts.persistTo) args.push('--persist-to', opts.persistTo)
  for (const [k, v] of Object.entries(opts.vars ?? {})) args.push('--var', `${k}:${v}`)
  const child = spawn(join(BIN, 'wrangler'), args, {
    cwd: ROOT,
    env: QUIET_ENV,
    stdio: opts.log ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    detached: true,
  })
  if (opts.log) {
    const log = opts.log
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8')
      stream?.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) if (line.trim()) log(line)
      })
    }
  }
  const url = `http://127.0.0.1:${opts.port}`
  const stop = () => stopProcessGroup(child)
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`)
    try {
      const res = await fetch(`${url}/api/health`)
      if (res.ok) return { url, process: child, stop }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  await stop()
  throw new Error('wrangler dev did not answer /api/health within 90 s')
}

/** Ends wrangler and its workerd children (they share the process group). */
export async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  try {
    process.kill(-child.pid, 'SIGTERM')
  } catch {
    return
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL')
    } catch {
      // already gone
    }
  }, 5_000)
  await exited
  clearTimeout(timer)
}

export interface ScratchServer extends DevServer {
  /** Its local state directory (D1, Durable Objects), for tools such as createsuperuser. */
  persistTo: string
}

/**
 * Dev secrets, a fresh client build and a `wrangler dev` on its own port and on fresh local
 * state in a temp directory, which stop() removes: the browser tests, the client bench and the
 * screenshots each start one, so no earlier run's users or rate limits leak in.
 */
export async function startScratchServer(
  prefix: string,
  log: (line: string) => void = () => {},
): Promise<ScratchServer> {
  ensureDevVars()
  buildClient()
  const persistTo = mkdtempSync(join(tmpdir(), prefix))
  const removeState = () => rmSync(persistTo, { recursive: true, force: true })
  try {
    applyLocalMigrations(persistTo)
    const server = await startDevServer({ port: await freePort(), persistTo, log })
    return {
      ...server,
      persistTo,
      async stop() {
        await server.stop()
        removeState()
      },
    }
  } catch (err) {
    removeState()
    throw err
  }
}
