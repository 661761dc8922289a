// The shape of what a run records, and where: bench/results/<mode>.json, then
// latest.md (every mode's latest result) and latency.svg (from the full run).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ChangeCostRun } from '../modes/change-cost.ts'
import type { FaultRun } from '../modes/faults.ts'
import type { HashTime } from '../modes/hash-time.ts'
import type { IdleRun } from '../modes/idle.ts'
import type { LoadRun } from '../modes/load-run.ts'
import type { CostRun } from '../modes/message-cost.ts'
import type { StormRun } from '../modes/storm.ts'
import type { Mode } from '../options.ts'
import type { ServerLogFindings } from '../servers/parley.ts'
import type { MachineInfo } from '../system/machine.ts'
import { renderMarkdown } from './markdown.ts'
import { renderLatencySvg } from './svg.ts'

interface ResultBase {
  mode: Mode
  startedAt: string
  finishedAt: string
  machine: MachineInfo
  /** The Parley source measured: a copy of this commit plus these uncommitted files. */
  parley: { commit: string; uncommitted: string[] }
  command: string
  /** Parley's own log: 5xx answers and error lines wrangler printed. */
  serverLog: ServerLogFindings
  /** Every correctness requirement of this mode held. */
  correct: boolean
}

export interface FullResult extends ResultBase {
  mode: 'full'
  hashTime: HashTime | null
  runs: LoadRun[]
  /** Loads or targets that could not be measured, and why. */
  failures: string[]
  /** The cost of changes (the same measurement as `--changes`), unless left out. */
  changes?: ChangeCostRun | null
  /** What a message costs on Cloudflare (the same measurement as `--cost`), unless left out. */
  cost?: CostRun | null
}

export interface ChangesResult extends ResultBase {
  mode: 'changes'
  changes: ChangeCostRun
}

export interface CostResult extends ResultBase {
  mode: 'cost'
  cost: CostRun
}

export interface IdleResult extends ResultBase {
  mode: 'idle'
  idle: IdleRun
}

export interface StormResult extends ResultBase {
  mode: 'storm'
  storm: StormRun
}

export interface FaultResult extends ResultBase {
  mode: 'restart' | 'chaos' | 'ci'
  runs: FaultRun[]
}

export type BenchResult = FullResult | IdleResult | FaultResult | ChangesResult | CostResult | StormResult

const MODES: Mode[] = ['full', 'changes', 'cost', 'idle', 'storm', 'restart', 'chaos', 'ci']

/** Writes this result, then rebuilds the Markdown summary and the chart; returns the Markdown. */
export function saveResult(outDir: string, result: BenchResult): string {
  mkdirSync(outDir, { recursive: true })
  writeFileSync(join(outDir, `${result.mode}.json`), `${JSON.stringify(result, null, 2)}\n`)
  const all = MODES.map((mode) => loadResult(outDir, mode)).filter((r): r is BenchResult => r !== null)
  const full = all.find((r): r is FullResult => r.mode === 'full') ?? null
  const markdown = renderMarkdown(all, full ? 'latency.svg' : null)
  writeFileSync(join(outDir, 'latest.md'), markdown)
  if (full) writeFileSync(join(outDir, 'latency.svg'), renderLatencySvg(full))
  return markdown
}

function loadResult(outDir: string, name: string): BenchResult | null {
  const path = join(outDir, `${name}.json`)
  if (!existsSync(path)) return null
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as BenchResult
  } catch {
    return null
  }
}
