// Counters and latency percentiles. Latencies go into one preallocated array per phase,
// so recording a delivery allocates nothing.

export interface Percentiles {
  count: number
  p50: number
  p90: number
  p99: number
  max: number
  mean: number
}

export class LatencyRecorder {
  private values: Float64Array
  private n = 0

  constructor(capacity: number) {
    this.values = new Float64Array(Math.max(16, capacity))
  }

  add(ms: number): void {
    if (this.n === this.values.length) {
      const grown = new Float64Array(this.values.length * 2)
      grown.set(this.values)
      this.values = grown
    }
    this.values[this.n++] = ms
  }

  get count(): number {
    return this.n
  }

  summary(): Percentiles {
    return percentilesOf(this.values.subarray(0, this.n))
  }
}

/** Nearest-rank percentiles, in ms rounded to 0.01; sorts `values` in place. */
export function percentilesOf(values: Float64Array): Percentiles {
  const n = values.length
  if (n === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 }
  values.sort()
  let sum = 0
  for (let i = 0; i < n; i++) sum += values[i]!
  const at = (q: number) => round2(values[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!)
  return { count: n, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round2(values[n - 1]!), mean: round2(sum / n) }
}

export function median(values: number[]): number {
  return percentilesOf(Float64Array.from(values)).p50
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100
}

/** Everything the network side saw: connects, closes, HTTP statuses, error frames. */
export class NetCounters {
  connects = 0
  reconnects = 0
  connectErrors = 0
  gaveUp = 0
  drops = 0
  badFrames = 0
  readonly http: Record<string, number> = {}
  readonly closes: Record<string, number> = {}
  readonly errorFrames: Record<string, number> = {}

  countHttp(status: number): void {
    bump(this.http, String(status))
  }

  countClose(code: number): void {
    bump(this.closes, String(code))
  }

  countErrorFrame(code: string): void {
    bump(this.errorFrames, code)
  }

  /** Responses with a 5xx status, from HTTP calls and refused upgrades alike. */
  get http5xx(): number {
    let n = 0
    for (const [status, count] of Object.entries(this.http)) if (status.startsWith('5')) n += count
    return n
  }

  snapshot(): NetSnapshot {
    return {
      connects: this.connects,
      reconnects: this.reconnects,
      connectErrors: this.connectErrors,
      gaveUp: this.gaveUp,
      drops: this.drops,
      badFrames: this.badFrames,
      http5xx: this.http5xx,
      http: { ...this.http },
      closes: { ...this.closes },
      errorFrames: { ...this.errorFrames },
    }
  }
}

export interface NetSnapshot {
  connects: number
  reconnects: number
  connectErrors: number
  gaveUp: number
  drops: number
  badFrames: number
  http5xx: number
  http: Record<string, number>
  closes: Record<string, number>
  errorFrames: Record<string, number>
}

/** The counts of `after` minus those of `before`, keeping only what changed. */
export function netDelta(before: NetSnapshot, after: NetSnapshot): NetSnapshot {
  const diff = (a: Record<string, number>, b: Record<string, number>) => {
    const out: Record<string, number> = {}
    for (const [k, v] of Object.entries(b)) if (v - (a[k] ?? 0) !== 0) out[k] = v - (a[k] ?? 0)
    return out
  }
  return {
    connects: after.connects - before.connects,
    reconnects: after.reconnects - before.reconnects,
    connectErrors: after.connectErrors - before.connectErrors,
    gaveUp: after.gaveUp - before.gaveUp,
    drops: after.drops - before.drops,
    badFrames: after.badFrames - before.badFrames,
    http5xx: after.http5xx - before.http5xx,
    http: diff(before.http, after.http),
    closes: diff(before.closes, after.closes),
    errorFrames: diff(before.errorFrames, after.errorFrames),
  }
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1
}
