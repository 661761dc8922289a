// bench/results/latency.svg, drawn by hand: latency percentiles by load and target on a
// log scale. Each bar overlays p99 (light), p90 (mid) and p50 (dark); a tick marks max.

import type { TargetName } from '../load/targets.ts'
import type { LoadRun } from '../modes/load-run.ts'
import type { FullResult } from './results.ts'

const COLORS: Record<TargetName, string> = {
  parley: '#d9480f',
  'relay-do': '#1c7ed6',
  'relay-do-sql': '#7048e8',
  'node-relay': '#2b8a3e',
}
const ORDER: TargetName[] = ['parley', 'relay-do', 'relay-do-sql', 'node-relay']
const BAR = 30
const BAR_GAP = 8
const GROUP_GAP = 40
const LEFT = 70
const TOP = 56
const PLOT_H = 300
const BOTTOM = 56

export function renderLatencySvg(result: FullResult): string {
  const groups = groupRuns(result.runs)
  const values = result.runs.flatMap((r) => [r.phase.latencyMs.p50, r.phase.latencyMs.max]).filter((v) => v > 0)
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values, 1)))
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values, 10)))
  const y = (ms: number) => TOP + PLOT_H - (Math.log10(Math.max(ms, lo) / lo) / Math.log10(hi / lo)) * PLOT_H
  const groupWidth = (n: number) => n * BAR + (n - 1) * BAR_GAP
  const width = LEFT + groups.reduce((w, g) => w + groupWidth(g.runs.length) + GROUP_GAP, 0) + 20
  const height = TOP + PLOT_H + BOTTOM
  const parts: string[] = []
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="18" font-size="14" font-weight="600">Send → peer-receive latency (ms, log scale) by load</text>`,
  )
  let lx = LEFT
  for (const t of ORDER.filter((name) => result.runs.some((r) => r.target === name))) {
    parts.push(`<rect x="${lx}" y="28" width="12" height="12" fill="${COLORS[t]}"/>`)
    parts.push(`<text x="${lx + 16}" y="38">${t}</text>`)
    lx += 110
  }
  parts.push(`<text x="${lx}" y="38" fill="#555">dark p50 · mid p90 · light p99 · tick max</text>`)
  for (let v = lo; v <= hi * 1.0001; v *= 10) {
    const yy = y(v).toFixed(1)
    parts.push(`<line x1="${LEFT - 4}" x2="${width - 20}" y1="${yy}" y2="${yy}" stroke="#e5e5e5"/>`)
    parts.push(`<text x="${LEFT - 8}" y="${Number(yy) + 4}" text-anchor="end">${formatMs(v)}</text>`)
  }
  let x = LEFT + GROUP_GAP / 2
  for (const g of groups) {
    for (const run of g.runs) {
      const l = run.phase.latencyMs
      const color = COLORS[run.target]
      const base = TOP + PLOT_H
      const bar = (ms: number, opacity: number) =>
        `<rect x="${x}" y="${y(ms).toFixed(1)}" width="${BAR}" height="${(base - y(ms)).toFixed(1)}" fill="${color}" fill-opacity="${opacity}"/>`
      parts.push(
        `<g><title>${escapeXml(`${run.target}, ${g.label}: p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms, ${run.phase.deliveredPerS} msg/s`)}</title>`,
        bar(l.p99, 0.25),
        bar(l.p90, 0.5),
        bar(l.p50, 1),
        `<line x1="${x + BAR / 2}" x2="${x + BAR / 2}" y1="${y(l.max).toFixed(1)}" y2="${y(l.p99).toFixed(1)}" stroke="${color}" stroke-dasharray="2 2"/>`,
        `<line x1="${x + 6}" x2="${x + BAR - 6}" y1="${y(l.max).toFixed(1)}" y2="${y(l.max).toFixed(1)}" stroke="${color}" stroke-width="2"/>`,
        `<text x="${x + BAR / 2}" y="${(y(l.max) - 4).toFixed(1)}" text-anchor="middle" font-size="10" fill="#333">${formatMs(l.p99)}</text>`,
        '</g>',
      )
      x += BAR + BAR_GAP
    }
    const center = x - BAR_GAP - groupWidth(g.runs.length) / 2
    parts.push(`<text x="${center}" y="${TOP + PLOT_H + 18}" text-anchor="middle">${escapeXml(g.label)}</text>`)
    if (g.sub) {
      parts.push(
        `<text x="${center}" y="${TOP + PLOT_H + 33}" text-anchor="middle" fill="#555">${escapeXml(g.sub)}</text>`,
      )
    }
    x += GROUP_GAP - BAR_GAP
  }
  parts.push(
    `<line x1="${LEFT}" x2="${width - 20}" y1="${TOP + PLOT_H}" y2="${TOP + PLOT_H}" stroke="#333"/>`,
    `<text x="${LEFT}" y="${height - 6}" fill="#555" font-size="11">Labels above bars: p99. Throughput loads are closed-loop (queueing included); the light load sends 1 message/s per user.</text>`,
    '</svg>',
  )
  return `${parts.join('\n')}\n`
}

interface Group {
  label: string
  sub: string
  runs: LoadRun[]
}

function groupRuns(runs: LoadRun[]): Group[] {
  const groups: Group[] = []
  for (const run of runs) {
    const label = run.kind === 'light' ? `${run.pairs} pairs, light` : `${run.pairs} pairs`
    let g = groups.find((x) => x.label === label)
    if (!g) {
      const sub =
        run.kind === 'light' ? '1 msg/s per user' : `M=${run.phase.messagesPerMember}, window ${run.phase.window}`
      g = { label, sub, runs: [] }
      groups.push(g)
    }
    g.runs.push(run)
  }
  for (const g of groups) g.runs.sort((a, b) => ORDER.indexOf(a.target) - ORDER.indexOf(b.target))
  return groups
}

function formatMs(ms: number): string {
  if (ms >= 1000) return `${Number((ms / 1000).toPrecision(3))} s`
  return `${Number(ms.toPrecision(3))}`
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
