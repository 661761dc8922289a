// `npm run bench`: starts Parley and both reference relays on loopback ports, drives them
// with one load generator over the public contract, and writes bench/results/. See
// bench/README.md for the modes; `npm run bench -- --help` for the flags.
import { join } from 'node:path'
import { ensureUsers } from './load/accounts.ts'
import { isCorrect } from './load/generator.ts'
import { NetCounters } from './load/stats.ts'
import { parleyTarget, relayTarget, type Target, type TargetName } from './load/targets.ts'
import { type ChangeCostRun, runChangeCost } from './modes/change-cost.ts'
import { type FaultRun, runFault } from './modes/faults.ts'
import { measureHashTime } from './modes/hash-time.ts'
import { runIdle } from './modes/idle.ts'
import { type LoadRun, runLoad } from './modes/load-run.ts'
import { type CostRun, type CostServer, runMessageCost } from './modes/message-cost.ts'
import { runStorm } from './modes/storm.ts'
import { type BenchOptions, messagesFor, parseOptions, USAGE } from './options.ts'
import { machineLine } from './report/markdown.ts'
import { type BenchResult, type FullResult, saveResult } from './report/results.ts'
import { ParleyServer } from './servers/parley.ts'
import { sampleGroup } from './servers/process-group.ts'
import { RELAY_PROBE_ENTRY, type ReferenceServer, startNodeRelay, startRelayWorker } from './servers/references.ts'
import { PROBE_ENTRY } from './servers/snapshot.ts'
import { machineInfo } from './system/machine.ts'

/** Hard ceilings: the bench always ends by itself. */
const WATCHDOG_MS: Record<BenchOptions['mode'], number> = {
  full: 90 * 60_000,
  idle: 30 * 60_000,
  storm: 30 * 60_000,
  restart: 15 * 60_000,
  chaos: 15 * 60_000,
  ci: 8 * 60_000,
  changes: 20 * 60_000,
  cost: 20 * 60_000,
}

const started = performance.now()
const log = (line: string) => console.log(`[bench +${((performance.now() - started) / 1000).toFixed(1)}s] ${line}`)
const cleanups: (() => Promise<void>)[] = []

async function cleanup(): Promise<void> {
  while (cleanups.length > 0)
    await cleanups
      .pop()?.()
      .catch(() => {})
}

async function main(): Promise<number> {
  let opts: BenchOptions
  try {
    opts = parseOptions(process.argv.slice(2))
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  setTimeout(() => {
    log(`watchdog: the ${opts.mode} run exceeded ${WATCHDOG_MS[opts.mode] / 60_000} minutes; stopping`)
    void cleanup().then(() => process.exit(3))
  }, WATCHDOG_MS[opts.mode]).unref()
  const machine = machineInfo()
  log(machineLine(machine))
  const persist = join(opts.stateDir, 'parley')
  const logs = join(opts.stateDir, 'logs')
  const snapshot = ParleyServer.prepare(persist, opts.stateDir, opts.source, opts.patch)
  log(
    `serving a copy of Parley at ${snapshot.commit}` +
      (snapshot.uncommitted.length > 0 ? ` + uncommitted: ${snapshot.uncommitted.join(', ')}` : ' (clean)'),
  )
  const base = {
    startedAt: new Date().toISOString(),
    machine,
    parley: { commit: snapshot.commit, uncommitted: snapshot.uncommitted },
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  }
  const parley = await ParleyServer.start(opts.port, persist, join(logs, 'parley.log'), snapshot.dir)
  cleanups.push(() => parley.stop())
  log(`Parley on ${parley.url} (state ${persist}, log ${join(logs, 'parley.log')})`)
  const counters = new NetCounters()

  let result: BenchResult
  if (opts.mode === 'full') {
    result = { ...base, ...(await fullRun(opts, parley, counters)), serverLog: parley.findings }
  } else if (opts.mode === 'idle') {
    const users = await ensureUsers(parley.url, 2 * Math.ceil(opts.idle.users / 2), accountsPath(opts), counters, log)
    // A fresh server, so the baseline holds no objects woken by the account checks above.
    await parley.restart('SIGTERM')
    const idle = await runIdle(
      parleyTarget(parley.url, users),
      parley.pgid,
      opts.idle.users,
      opts.idle.seconds,
      opts.idle.wakeSample,
      log,
    )
    const correct = idle.closedWhileIdle === 0 && idle.net.http5xx === 0 && idle.firstMessageMs.count > 0
    result = { ...base, mode: 'idle', idle, correct, finishedAt: '', serverLog: parley.findings }
  } else if (opts.mode === 'storm') {
    const users = await ensureUsers(parley.url, 2 * Math.ceil(opts.storm.users / 2), accountsPath(opts), counters, log)
    const storm = await runStorm(parleyTarget(parley.url, users), parley, opts.storm.users, log)
    const correct =
      storm.reconnected === storm.sockets &&
      storm.messages.lost === 0 &&
      storm.d1.maxPerUpgrade.chat <= 2 &&
      storm.d1.maxPerUpgrade.notifications <= 2 &&
      storm.net.http5xx === 0 &&
      parley.findings.http5xx === 0
    result = { ...base, mode: 'storm', storm, correct, finishedAt: '', serverLog: parley.findings }
  } else if (opts.mode === 'changes') {
    const changes = await changeCost(opts, parley, counters)
    const correct = changes.correct && counters.http5xx === 0 && parley.findings.http5xx === 0
    result = { ...base, mode: 'changes', changes, correct, finishedAt: '', serverLog: parley.findings }
  } else if (opts.mode === 'cost') {
    const cost = await messageCost(opts, parley, counters)
    const correct = cost.correct && counters.http5xx === 0 && parley.findings.http5xx === 0
    result = { ...base, mode: 'cost', cost, correct, finishedAt: '', serverLog: parley.findings }
  } else {
    const runs = await faultRuns(opts, parley, counters)
    const correct =
      runs.every((r) => r.correct && r.net.http5xx === 0) && counters.http5xx === 0 && parley.findings.http5xx === 0
    result = { ...base, mode: opts.mode, runs, correct, finishedAt: '', serverLog: parley.findings }
  }
  result.finishedAt = new Date().toISOString()
  await cleanup()
  const markdown = saveResult(opts.outDir, result)
  console.log(`\n${markdown}`)
  log(`results in ${opts.outDir}/${result.mode}.json and latest.md`)
  if (!result.correct) {
    log(`${result.mode}: correctness requirement NOT met (see above)`)
    return 1
  }
  return 0
}

async function fullRun(
  opts: BenchOptions,
  parley: ParleyServer,
  counters: NetCounters,
): Promise<Omit<FullResult, 'startedAt' | 'machine' | 'parley' | 'command' | 'serverLog'>> {
  const refs: Partial<Record<TargetName, ReferenceServer>> = {}
  const starting: Promise<void>[] = []
  if (opts.targets.includes('relay-do') || opts.targets.includes('relay-do-sql')) {
    starting.push(
      startRelayWorker(opts.port + 1, join(opts.stateDir, 'relay'), join(opts.stateDir, 'logs/relay-do.log')).then(
        (s) => {
          refs['relay-do'] = s
          cleanups.push(() => s.stop())
        },
      ),
    )
  }
  if (opts.targets.includes('node-relay')) {
    starting.push(
      startNodeRelay(opts.port + 2, join(opts.stateDir, 'logs/node-relay.log')).then((s) => {
        refs['node-relay'] = s
        cleanups.push(() => s.stop())
      }),
    )
  }
  await Promise.all(starting)
  const maxPairs = Math.max(...opts.pairs, ...opts.light.pairs)
  const users = await ensureUsers(parley.url, 2 * maxPairs, accountsPath(opts), counters, log)
  log(`${users.length} accounts ready`)

  log(`timing argon2id: ${opts.hashSamples} failed logins vs health checks`)
  const hashTime = await measureHashTime(parley.url, opts.hashSamples, counters)
  log(
    `argon2id ~${hashTime.hashEstimateMs} ms (login ${hashTime.failedLoginMedianMs} − health ${hashTime.healthMedianMs})`,
  )

  const targets: Record<TargetName, { target: Target; pgid: () => number | undefined } | null> = {
    parley: opts.targets.includes('parley')
      ? { target: parleyTarget(parley.url, users), pgid: () => parley.pgid }
      : null,
    'relay-do': refs['relay-do']
      ? { target: relayTarget('relay-do', refs['relay-do'].url), pgid: () => refs['relay-do']?.pgid }
      : null,
    'relay-do-sql': refs['relay-do']
      ? { target: relayTarget('relay-do-sql', refs['relay-do'].url), pgid: () => refs['relay-do']?.pgid }
      : null,
    'node-relay': refs['node-relay']
      ? { target: relayTarget('node-relay', refs['node-relay'].url), pgid: () => refs['node-relay']?.pgid }
      : null,
  }
  const runId = Date.now().toString(36)
  const runs: LoadRun[] = []
  const failures: string[] = []
  const loads: { kind: 'throughput' | 'light'; pairs: number }[] = opts.pairs.map((pairs) => ({
    kind: 'throughput',
    pairs,
  }))
  for (const pairs of opts.light.pairs) loads.push({ kind: 'light', pairs })
  for (const load of loads) {
    for (const name of opts.targets) {
      const t = targets[name]
      if (!t) continue
      const light = load.kind === 'light'
      const spec = {
        kind: load.kind,
        pairs: load.pairs,
        messages: light ? opts.light.seconds : messagesFor(load.pairs, opts),
        window: opts.window,
        rate: light ? 1 : opts.rate,
        bodyBytes: opts.bodyBytes,
        tag: `${runId}${name[0]}${light ? 'l' : 't'}${load.pairs}`,
      }
      log(`${name}: ${load.kind} ${load.pairs} pairs × ${spec.messages} messages per user`)
      try {
        await waitQuiet([parley.pgid, refs['relay-do']?.pgid, refs['node-relay']?.pgid])
        runs.push(await runLoad(t.target, t.pgid(), spec, log))
      } catch (err) {
        failures.push(`${name} at ${load.pairs} pairs (${load.kind}): ${(err as Error).message}`)
        log(`FAILED ${failures.at(-1)}`)
      }
    }
  }
  // Last: its storage pass serves Parley from the counting entry for a while.
  let changes: ChangeCostRun | null = null
  if (opts.changes && opts.targets.includes('parley')) {
    try {
      await waitQuiet([parley.pgid, refs['relay-do']?.pgid, refs['node-relay']?.pgid])
      changes = await changeCost(opts, parley, counters)
      if (!changes.correct) failures.push('changes: a phase did not complete')
    } catch (err) {
      failures.push(`changes: ${(err as Error).message}`)
      log(`FAILED ${failures.at(-1)}`)
    }
  }
  // Then what a message costs, on the counting entries too.
  let cost: CostRun | null = null
  if (opts.cost && opts.targets.includes('parley')) {
    try {
      await waitQuiet([parley.pgid, refs['relay-do']?.pgid, refs['node-relay']?.pgid])
      cost = await messageCost(opts, parley, counters)
      if (!cost.correct) failures.push(`cost: ${cost.failures.join('; ') || 'a case did not complete'}`)
    } catch (err) {
      failures.push(`cost: ${(err as Error).message}`)
      log(`FAILED ${failures.at(-1)}`)
    }
  }
  const correct = failures.length === 0 && runs.every((r) => isCorrect(r.phase.correctness) && r.warmupCorrect)
  return { mode: 'full', hashTime, runs, failures, changes, cost, correct, finishedAt: '' }
}

async function changeCost(opts: BenchOptions, parley: ParleyServer, counters: NetCounters): Promise<ChangeCostRun> {
  const spec = opts.changes ?? { pairs: 10, operations: 200 }
  const users = await ensureUsers(parley.url, 2 * spec.pairs, accountsPath(opts), counters, log)
  return runChangeCost(
    parleyTarget(parley.url, users),
    parley,
    {
      pairs: spec.pairs,
      operations: spec.operations,
      window: opts.window,
      bodyBytes: opts.bodyBytes,
      tag: `${Date.now().toString(36)}c`,
    },
    log,
  )
}

/**
 * The cost pass: Parley served from its counting entry (twice: chat open, recipient not
 * looking), and a relay DO of its own from the relay's counting entry, storing each message.
 */
async function messageCost(opts: BenchOptions, parley: ParleyServer, counters: NetCounters): Promise<CostRun> {
  const spec = opts.cost ?? { pairs: 10, messages: 20, rate: 0.5 }
  const users = await ensureUsers(parley.url, 2 * spec.pairs, accountsPath(opts), counters, log)
  log('cost: serving Parley and a relay DO from their counting entries')
  const relay = await startRelayWorker(
    opts.port + 3,
    join(opts.stateDir, 'relay-cost'),
    join(opts.stateDir, 'logs/relay-do-cost.log'),
    RELAY_PROBE_ENTRY,
  )
  try {
    await parley.serveEntry(PROBE_ENTRY)
    // Its process group changes with every restart.
    const server: CostServer = {
      url: parley.url,
      get pgid() {
        return parley.pgid
      },
    }
    return await runMessageCost(
      [
        { name: 'parley-open', target: parleyTarget(parley.url, users), server },
        { name: 'parley-away', target: parleyTarget(parley.url, users, { viewing: false }), server },
        { name: 'relay-do-sql', target: relayTarget('relay-do-sql', relay.url), server: relay },
      ],
      {
        pairs: spec.pairs,
        messages: spec.messages,
        rate: spec.rate,
        window: opts.window,
        bodyBytes: opts.bodyBytes,
        tag: `${Date.now().toString(36)}k`,
      },
      log,
    )
  } finally {
    await relay.stop()
    await parley.serveEntry(null)
  }
}

async function faultRuns(opts: BenchOptions, parley: ParleyServer, counters: NetCounters): Promise<FaultRun[]> {
  const pairs = opts.pairs[0] ?? 20
  const users = await ensureUsers(parley.url, 2 * pairs, accountsPath(opts), counters, log)
  const target = parleyTarget(parley.url, users)
  const kinds: ('restart' | 'chaos')[] = opts.mode === 'ci' ? ['restart', 'chaos'] : [opts.mode as 'restart' | 'chaos']
  const runs: FaultRun[] = []
  const runId = Date.now().toString(36)
  for (const kind of kinds) {
    const messages = opts.messages ?? 200
    const rate = opts.rate ?? (opts.mode === 'ci' ? 10 : 20)
    log(`${kind}: ${pairs} pairs × ${messages} messages per user at ${rate}/s, window ${opts.window}`)
    runs.push(
      await runFault(
        target,
        parley,
        {
          kind,
          pairs,
          messages,
          window: opts.window,
          rate,
          bodyBytes: opts.bodyBytes,
          tag: `${runId}${kind[0]}`,
          killAfterMs: opts.killAfterMs,
          dropsPerSecond: opts.dropsPerSecond,
        },
        log,
      ),
    )
  }
  return runs
}

/**
 * Waits (at most 15 s) until the servers are nearly idle: Parley flushes counters and
 * notifies inboxes in the background after a load, which must not land on the next run.
 */
async function waitQuiet(pgids: (number | undefined)[]): Promise<void> {
  const deadline = performance.now() + 15_000
  let before = pgids.map(sampleGroup)
  while (performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500))
    const now = pgids.map(sampleGroup)
    const busy = now.reduce((sum, s, i) => sum + (s.cpuS - before[i]!.cpuS), 0)
    before = now
    if (busy < 0.05) return
  }
}

function accountsPath(opts: BenchOptions): string {
  return join(opts.stateDir, 'accounts.json')
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log(`${signal}: stopping servers`)
    void cleanup().then(() => process.exit(130))
  })
}

main().then(
  async (code) => {
    await cleanup()
    process.exit(code)
  },
  async (err: unknown) => {
    console.error(err)
    await cleanup()
    process.exit(1)
  },
)
