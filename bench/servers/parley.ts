// The bench's own Parley: `wrangler dev` of a frozen copy of the source (snapshot.ts) on a
// loopback port with a persist dir under bench/.state/, rate limits raised only through
// `--var`, output kept in a log file and scanned for 5xx answers. It can be killed and
// restarted on the same port and state.

import { spawnSync } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, type WriteStream } from 'node:fs'
import { dirname, join } from 'node:path'
import { buildClient, ensureDevVars, QUIET_ENV, ROOT } from '../../scripts/lib/dev-server.ts'
import { type Snapshot, snapshotParley } from './snapshot.ts'
import { startWrangler, type WranglerServer } from './wrangler.ts'

/** High enough that no bench load meets a limit; the defaults stay in wrangler.toml. */
export const BENCH_VARS: Record<string, string> = {
  CHAT_FRAMES_PER_SECOND: '100000',
  CHAT_FRAME_BURST: '100000',
  CHAT_SENDS_PER_SECOND: '100000',
  CHAT_SEND_BURST: '100000',
  REGISTRATIONS_PER_IP: '100000',
  LOGIN_FAILS_PER_IP: '100000',
  // The bench signs its users in in parallel; the hash bound would refuse most of them.
  PASSWORD_HASH_QUEUE: '100000',
}

const REQUEST_LINE = /\b(?:GET|POST|PUT|PATCH|DELETE|HEAD) (\S+) (\d{3})\b/

export interface ServerLogFindings {
  /** Requests wrangler logged with a 5xx status. */
  http5xx: number
  /** Lines that look like an uncaught error, kept (the first 20) as evidence. */
  errors: string[]
}

export class ParleyServer {
  readonly port: number
  readonly url: string
  readonly persistTo: string
  readonly findings: ServerLogFindings = { http5xx: 0, errors: [] }
  private server: WranglerServer | null = null
  private readonly log: WriteStream
  private readonly sourceDir: string
  /** Null: the Worker as configured; else an entry inside the copy (the storage probe). */
  private entry: string | null = null

  private constructor(port: number, persistTo: string, logPath: string, sourceDir: string) {
    this.port = port
    this.url = `http://127.0.0.1:${port}`
    this.persistTo = persistTo
    this.sourceDir = sourceDir
    mkdirSync(dirname(logPath), { recursive: true })
    this.log = createWriteStream(logPath, { flags: 'a' })
  }

  /**
   * Dev secrets, the client build when absent, the frozen copy the bench will serve (of the
   * working tree, or of the commit `source`; with `patch` applied to the copy), then that copy's D1 migrations into the
   * bench's persist dir.
   */
  static prepare(
    persistTo: string,
    stateDir: string,
    source: string | null = null,
    patch: string | null = null,
  ): Snapshot {
    ensureDevVars()
    if (!existsSync(join(ROOT, 'dist/client/index.html'))) buildClient()
    const snapshot = snapshotParley(stateDir, source, patch)
    const r = spawnSync(
      join(ROOT, 'node_modules/.bin/wrangler'),
      ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo],
      { cwd: snapshot.dir, env: QUIET_ENV, stdio: 'inherit' },
    )
    if (r.status !== 0) throw new Error(`wrangler d1 migrations apply exited with ${r.status}`)
    return snapshot
  }

  static async start(port: number, persistTo: string, logPath: string, sourceDir: string): Promise<ParleyServer> {
    const server = new ParleyServer(port, persistTo, logPath, sourceDir)
    await server.launch()
    return server
  }

  get pgid(): number | undefined {
    return this.server?.process.pid
  }

  /** The fault: the whole process group dies at once, as on a crash. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.server?.process
    this.server = null
    if (!child || child.exitCode !== null || child.pid === undefined) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    try {
      process.kill(-child.pid, signal)
    } catch {
      return
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))])
  }

  /** Starts again on the same port and persist dir; resolves once /api/health answers. */
  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.kill(signal)
    await this.launch()
  }

  /**
   * Serves the same copy and state from another entry from now on (PROBE_ENTRY counts each
   * Durable Object's storage work), or the configured one again with null; stops gracefully first.
   */
  async serveEntry(entry: string | null): Promise<void> {
    this.entry = entry
    await this.restart('SIGTERM')
  }

  async stop(): Promise<void> {
    await this.server?.stop()
    this.server = null
    await new Promise<void>((resolve) => this.log.end(() => resolve()))
  }

  private async launch(): Promise<void> {
    this.log.write(
      `\n=== wrangler dev on ${this.url}${this.entry ? ` (entry ${this.entry})` : ''} at ${new Date().toISOString()} ===\n`,
    )
    this.server = await startWrangler({
      cwd: this.sourceDir,
      port: this.port,
      persistTo: this.persistTo,
      vars: BENCH_VARS,
      ...(this.entry ? { script: this.entry } : {}),
      ...(process.env.PARLEY_BENCH_INSPECTOR_PORT
        ? { inspectorPort: Number(process.env.PARLEY_BENCH_INSPECTOR_PORT) }
        : {}),
      log: (line) => this.scan(line),
    })
  }

  private scan(line: string): void {
    this.log.write(`${line}\n`)
    const request = REQUEST_LINE.exec(line)
    if (request && request[2]!.startsWith('5')) this.findings.http5xx++
    if (/unhandled error|Uncaught|\bError:/.test(line) && !/Request\.cf|workers\.cloudflare\.com/.test(line)) {
      if (this.findings.errors.length < 20) this.findings.errors.push(line.slice(0, 300))
    }
  }
}
