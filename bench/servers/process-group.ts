// CPU time and resident memory of a server's process group, read from /proc: the bench
// shares two cores with wrangler and workerd, so server CPU per message is the figure
// that survives a noisy machine best.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()
const PAGE_BYTES = (() => {
  try {
    return Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()) || 4096
  } catch {
    return 4096
  }
})()

export interface GroupSample {
  at: number
  /** CPU seconds (user + system) of every process in the group. */
  cpuS: number
  /** The same for the processes named `workerd` only. */
  workerdCpuS: number
  /** Resident set of the `workerd` processes, MiB. */
  workerdRssMiB: number
  /** Resident set of every process in the group, MiB. */
  rssMiB: number
  processes: number
}

/** Sums the processes whose process group is `pgid` (a detached child's own pid). */
export function sampleGroup(pgid: number | undefined): GroupSample {
  const sample: GroupSample = { at: Date.now(), cpuS: 0, workerdCpuS: 0, workerdRssMiB: 0, rssMiB: 0, processes: 0 }
  if (pgid === undefined) return sample
  for (const entry of readdirSync('/proc')) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // exited meanwhile
    }
    // The command name is parenthesised and may hold spaces: fields start after the last ')'.
    const close = stat.lastIndexOf(')')
    const name = stat.slice(stat.indexOf('(') + 1, close)
    const fields = stat.slice(close + 2).split(' ')
    // fields[0] is field 3 (state): pgrp is field 5, utime 14, stime 15, rss 24.
    if (Number(fields[2]) !== pgid) continue
    const cpu = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
    const rss = (Number(fields[21]) * PAGE_BYTES) / (1024 * 1024)
    sample.processes++
    sample.cpuS += cpu
    sample.rssMiB += rss
    if (name.startsWith('workerd')) {
      sample.workerdCpuS += cpu
      sample.workerdRssMiB += rss
    }
  }
  return sample
}

export interface GroupUsage {
  cpuS: number
  workerdCpuS: number
  wallS: number
}

export function usageBetween(a: GroupSample, b: GroupSample): GroupUsage {
  return {
    cpuS: round3(b.cpuS - a.cpuS),
    workerdCpuS: round3(b.workerdCpuS - a.workerdCpuS),
    wallS: round3((b.at - a.at) / 1000),
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000
}

/** CPU seconds the whole machine spent busy (all cores), from /proc/stat. */
export function machineBusyS(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0)
    // idle and iowait are not work
    return (total - (fields[3] ?? 0) - (fields[4] ?? 0)) / CLOCK_TICKS
  } catch {
    return 0
  }
}
