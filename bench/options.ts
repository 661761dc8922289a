// Command-line flags of `npm run bench -- …`, with the defaults of the full run.
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ROOT } from '../scripts/lib/dev-server.ts'
import type { TargetName } from './load/targets.ts'

export type Mode = 'full' | 'idle' | 'restart' | 'chaos' | 'ci' | 'changes' | 'cost' | 'storm'

export interface BenchOptions {
  mode: Mode
  /** Concurrent pairs of each throughput load. */
  pairs: number[]
  /** Messages per member; null picks one per load (about 20,000 messages a load). */
  messages: number | null
  window: number
  /** Messages per second per member; null = as fast as the window allows. */
  rate: number | null
  bodyBytes: number
  targets: TargetName[]
  /** The light-load latency runs (1 message/s per member): their loads (none skips them) and length. */
  light: { pairs: number[]; seconds: number }
  idle: { users: number; seconds: number; wakeSample: number }
  /** Reconnect storm: signed-in users (chat + notifications socket each) reconnecting after a deploy. */
  storm: { users: number }
  /** The cost of changes (a mode, and the last part of the full run): pairs and operations per member; null skips it. */
  changes: { pairs: number; operations: number } | null
  /** What a message costs on Cloudflare (a mode, and part of the full run): pairs, messages per member, rate per member; null skips it. */
  cost: { pairs: number; messages: number; rate: number } | null
  killAfterMs: number
  dropsPerSecond: number
  hashSamples: number
  /** Serve this git revision's Parley instead of the working tree (null: the working tree). */
  source: string | null
  /** A patch (`diff -u`, paths a/… b/…) applied to the served copy only: a candidate change measured. */
  patch: string | null
  /** Parley's port; the relay DO takes +1, the Node relay +2. */
  port: number
  stateDir: string
  outDir: string
}

export const USAGE = `npm run bench -- [flags]
  (no mode flag)          full run: loads 10,100,500 pairs on Parley and both references,
                          a light-load latency run and the argon2id timing
  --idle N                hold N signed-in users idle (chat + notifications sockets)
  --storm [N]             reconnect storm: N signed-in users (default 1000), chat + notifications
                          socket each, reconnect after a deploy (wrangler dev restarted) with the web
                          client's backoff; D1 queries per reconnect, time until all are back, 1013s,
                          one message per pair after it
  --restart               kill and restart Parley mid-run; check resume and read state
  --chaos                 drop client sockets at random mid-run; same checks
  --ci                    short correctness-only run (20 pairs x 50 messages, one restart, chaos)
  --changes               cost of changes: P pairs (default 10) send N messages each (--messages,
                          default 200), edit each once, react to each of the peer's; server CPU
                          per send/edit/reaction, throughput, and (on the storage probe) the
                          statements and rows each one writes. Also the last part of a full run
  --no-changes            full run: leave the changes measurement out
  --cost                  what a message costs on Cloudflare: P pairs (default 10) send N messages
                          each (--messages, default 20) at R/s per member (--rate, default 0.5) on
                          the counting entries of Parley (chat open; recipient not looking) and of
                          the relay DO that stores each message; billed units per message and $
                          per million messages at Workers Paid prices. Also part of a full run
  --no-cost               full run: leave the cost pass out
  --pairs 10,100,500      loads (concurrent pairs); one value for --restart/--chaos
  --messages M            messages per user (default: about 20,000 messages per load)
  --window W              unacknowledged messages in flight per user (default 8)
  --rate R                messages per second per user (default: closed loop)
  --body-bytes B          message body size (default 64)
  --targets a,b,c         parley,relay-do,node-relay (default); relay-do-sql: the relay DO plus
                          one SQLite insert per message (diagnostic)
  --light-pairs 10,100    loads of the 1 message/s latency runs (default 10,100; 0 skips them)
  --light-seconds S       its length (default 20)
  --idle-seconds S        idle time before the first-message test (default 15)
  --wake-sample N         pairs woken one at a time after idling (default 20)
  --kill-after-ms T       restart: when to kill Parley (default 3000)
  --drops-per-second D    chaos: client socket drops per second (default 10)
  --hash-samples N        failed logins timed for the argon2id estimate (default 20)
  --port P                Parley's port (default 8790; references on P+1, P+2)
  --source REV            serve Parley as committed at REV (e.g. HEAD) instead of the working tree
  --patch FILE            apply this patch (patch -p1) to the served copy only, to measure a candidate change`

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} takes a number, got ${JSON.stringify(value)}`)
  return n
}

/** `--storm` may come without its count: it then takes the default. */
function withStormCount(argv: string[]): string[] {
  return argv.map((arg, i) =>
    arg === '--storm' && !/^\d/.test(argv[i + 1] ?? '') ? `--storm=${DEFAULT_STORM_USERS}` : arg,
  )
}

export const DEFAULT_STORM_USERS = 1000

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: withStormCount(argv),
    strict: true,
    options: {
      idle: { type: 'string' },
      storm: { type: 'string' },
      restart: { type: 'boolean' },
      chaos: { type: 'boolean' },
      ci: { type: 'boolean' },
      changes: { type: 'boolean' },
      'no-changes': { type: 'boolean' },
      cost: { type: 'boolean' },
      'no-cost': { type: 'boolean' },
      pairs: { type: 'string' },
      messages: { type: 'string' },
      window: { type: 'string' },
      rate: { type: 'string' },
      'body-bytes': { type: 'string' },
      targets: { type: 'string' },
      'light-pairs': { type: 'string' },
      'light-seconds': { type: 'string' },
      'idle-seconds': { type: 'string' },
      'wake-sample': { type: 'string' },
      'kill-after-ms': { type: 'string' },
      'drops-per-second': { type: 'string' },
      'hash-samples': { type: 'string' },
      port: { type: 'string' },
      source: { type: 'string' },
      patch: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  const chosen = [
    values.idle !== undefined,
    values.storm !== undefined,
    values.restart,
    values.chaos,
    values.ci,
    values.changes,
    values.cost,
  ].filter(Boolean).length
  if (chosen > 1) throw new Error('choose one of --idle, --storm, --restart, --chaos, --ci, --changes, --cost')
  const mode: Mode =
    values.idle !== undefined
      ? 'idle'
      : values.storm !== undefined
        ? 'storm'
        : values.restart
          ? 'restart'
          : values.chaos
            ? 'chaos'
            : values.ci
              ? 'ci'
              : values.changes
                ? 'changes'
                : values.cost
                  ? 'cost'
                  : 'full'
  const faultMode = mode === 'restart' || mode === 'chaos' || mode === 'ci'
  const pairs = values.pairs
    ? list(values.pairs).map((p) => positive('pairs', p, 1))
    : faultMode
      ? [20]
      : mode === 'changes' || mode === 'cost'
        ? [10]
        : [10, 100, 500]
  const targets = (values.targets ? list(values.targets) : ['parley', 'relay-do', 'node-relay']) as TargetName[]
  for (const t of targets) {
    if (!['parley', 'relay-do', 'relay-do-sql', 'node-relay'].includes(t)) throw new Error(`unknown target ${t}`)
  }
  const lightPairs = (values['light-pairs'] ? list(values['light-pairs']) : ['10', '100'])
    .map((p) => Math.floor(positive('light-pairs', p, 0)))
    .filter((p) => p > 0)
  const stateDir = join(ROOT, 'bench/.state')
  return {
    mode,
    pairs: pairs.filter((p) => p >= 1).map(Math.floor),
    messages: values.messages === undefined ? (mode === 'ci' ? 50 : null) : positive('messages', values.messages, 1),
    window: positive('window', values.window, 8),
    rate: values.rate === undefined ? null : positive('rate', values.rate, 1),
    bodyBytes: positive('body-bytes', values['body-bytes'], 64),
    targets,
    light: { pairs: lightPairs, seconds: positive('light-seconds', values['light-seconds'], 20) },
    idle: {
      users: positive('idle', values.idle, 1000),
      seconds: positive('idle-seconds', values['idle-seconds'], 15),
      wakeSample: positive('wake-sample', values['wake-sample'], 20),
    },
    storm: { users: Math.max(2, Math.floor(positive('storm', values.storm, DEFAULT_STORM_USERS))) },
    changes:
      mode === 'changes'
        ? {
            pairs: Math.max(1, Math.floor(pairs[0] ?? 10)),
            operations: Math.max(1, Math.floor(positive('messages', values.messages, 200))),
          }
        : mode === 'full' && !values['no-changes']
          ? { pairs: 10, operations: 200 }
          : null,
    cost:
      mode === 'cost'
        ? {
            pairs: Math.max(1, Math.floor(pairs[0] ?? 10)),
            messages: Math.max(1, Math.floor(positive('messages', values.messages, 20))),
            rate: positive('rate', values.rate, 0.5) || 0.5,
          }
        : mode === 'full' && !values['no-cost']
          ? { pairs: 10, messages: 20, rate: 0.5 }
          : null,
    killAfterMs: positive('kill-after-ms', values['kill-after-ms'], mode === 'ci' ? 1500 : 3000),
    dropsPerSecond: positive('drops-per-second', values['drops-per-second'], 10),
    hashSamples: positive('hash-samples', values['hash-samples'], 20),
    port: positive('port', values.port, 8790),
    source: values.source ?? null,
    patch: values.patch ?? null,
    stateDir,
    outDir: join(ROOT, 'bench/results'),
  }
}

/** About 20,000 messages per load, within 20..500 per member. */
export function messagesFor(pairs: number, opts: BenchOptions): number {
  if (opts.messages !== null) return opts.messages
  return Math.max(20, Math.min(500, Math.round(20_000 / (2 * pairs))))
}
