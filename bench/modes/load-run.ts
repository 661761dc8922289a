// One measured load against one target: connect P pairs, warm up (wakes every room and
// warms the JIT, unmeasured), run the measured phase while sampling the server's CPU,
// then close. The same function drives Parley and both references.

import { NO_RECONNECT } from '../load/client.ts'
import { type PhaseProgress, type PhaseResult, runPhase } from '../load/generator.ts'
import { markAllRead } from '../load/reads.ts'
import { openSession } from '../load/session.ts'
import { NetCounters, type NetSnapshot, netDelta, round2 } from '../load/stats.ts'
import type { Target, TargetName } from '../load/targets.ts'
import { machineBusyS, sampleGroup } from '../servers/process-group.ts'

export interface LoadSpec {
  kind: 'throughput' | 'light'
  pairs: number
  messages: number
  window: number
  rate: number | null
  bodyBytes: number
  tag: string
}

export interface LoadRun {
  target: TargetName
  kind: LoadSpec['kind']
  pairs: number
  connectS: number
  warmupCorrect: boolean
  phase: PhaseResult
  server: {
    cpuS: number
    workerdCpuS: number
    wallS: number
    /** Server CPU per delivered message, µs: whole process group. */
    usPerMessage: number
    rssMiB: number
  }
  generatorCpuS: number
  /**
   * CPU the rest of the machine used meanwhile (all processes but this server and the
   * generator), in cores: other work on the two shared cores skews every figure.
   */
  otherCores: number
  net: NetSnapshot
}

const WARMUP_MESSAGES = 5
const PROGRESS_EVERY_MS = 10_000

export async function runLoad(
  target: Target,
  pgid: number | undefined,
  spec: LoadSpec,
  log: (line: string) => void,
): Promise<LoadRun> {
  const counters = new NetCounters()
  const t0 = performance.now()
  const session = await openSession(target, counters, { pairs: spec.pairs, policy: NO_RECONNECT, concurrency: 32 })
  const connectS = round2((performance.now() - t0) / 1000)
  try {
    const warm = await runPhase(session, {
      messages: WARMUP_MESSAGES,
      window: WARMUP_MESSAGES,
      rate: null,
      bodyBytes: spec.bodyBytes,
      tag: `${spec.tag}w`,
      deadlineMs: 120_000,
      drainMs: 5_000,
      stallMs: 30_000,
    })
    const before = counters.snapshot()
    const cpu0 = process.cpuUsage()
    const s0 = sampleGroup(pgid)
    const busy0 = machineBusyS()
    // A safety net, not a target: a rated run takes M / rate; a closed-loop one is allowed
    // 30 ms per message (33 msg/s), far below anything measured; a stall ends it sooner.
    const expectedMs = spec.rate ? (spec.messages / spec.rate) * 1000 : spec.messages * spec.pairs * 2 * 30
    let nextReport = PROGRESS_EVERY_MS
    const phaseOptions = {
      onTick: (elapsed: number, p: PhaseProgress) => {
        if (elapsed < nextReport) return
        nextReport += PROGRESS_EVERY_MS
        log(`  … ${Math.round(elapsed / 1000)} s: ${p.acked}/${p.total} acknowledged, ${p.delivered} delivered`)
      },
      messages: spec.messages,
      window: spec.window,
      rate: spec.rate,
      bodyBytes: spec.bodyBytes,
      tag: spec.tag,
      deadlineMs: Math.min(20 * 60_000, 120_000 + expectedMs),
      drainMs: 10_000,
      stallMs: 120_000,
    }
    const phase = await runPhase(session, phaseOptions)
    const s1 = sampleGroup(pgid)
    const busy = machineBusyS() - busy0
    const cpu = process.cpuUsage(cpu0)
    const cpuS = s1.cpuS - s0.cpuS
    const generatorCpuS = (cpu.user + cpu.system) / 1e6
    const wallS = (s1.at - s0.at) / 1000
    const run: LoadRun = {
      target: target.name,
      kind: spec.kind,
      pairs: spec.pairs,
      connectS,
      warmupCorrect: warm.correctness.lost === 0 && warm.correctness.duplicated === 0,
      phase,
      server: {
        cpuS: round2(cpuS),
        workerdCpuS: round2(s1.workerdCpuS - s0.workerdCpuS),
        wallS: round2((s1.at - s0.at) / 1000),
        usPerMessage: phase.delivered > 0 ? Math.round((cpuS * 1e6) / phase.delivered) : 0,
        rssMiB: Math.round(s1.rssMiB),
      },
      generatorCpuS: round2(generatorCpuS),
      otherCores: wallS > 0 ? round2(Math.max(0, busy - cpuS - generatorCpuS) / wallS) : 0,
      net: netDelta(before, counters.snapshot()),
    }
    log(describe(run))
    // Leave the rooms read, as members on screen would: otherwise every later wake of a
    // room counts an ever longer unread tail, and later runs would measure the bench's history.
    if (target.durable) await markAllRead(session, 10_000)
    return run
  } finally {
    await session.close()
  }
}

export function describe(run: LoadRun): string {
  const p = run.phase
  const c = p.correctness
  return (
    `${run.target.padEnd(10)} ${run.kind.padEnd(10)} P=${run.pairs} M=${p.messagesPerMember} ` +
    `${p.deliveredPerS} msg/s, p50 ${p.latencyMs.p50} ms p99 ${p.latencyMs.p99} ms max ${p.latencyMs.max} ms, ` +
    `server ${run.server.usPerMessage} µs/msg, generator ${run.generatorCpuS} s CPU, other load ${run.otherCores} cores; ` +
    `lost ${c.lost} dup ${c.duplicated} reord ${c.reorderedBySeq}/${c.reorderedByBody} (${p.endedBy})`
  )
}
