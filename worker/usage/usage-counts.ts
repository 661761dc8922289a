// Counters kept in memory between flushes to D1 (worker/db/usage.ts): what one object, or
// one isolate, did since its counts last reached D1.
import type { UsageCounts } from '../../protocol/admin-usage.ts'

export class PendingCounts implements UsageCounts {
  requests = 0
  webSocketMessages = 0
  rowsRead = 0
  rowsWritten = 0
  alarmsSet = 0
  flushes = 0

  get empty(): boolean {
    return (
      this.requests === 0 &&
      this.webSocketMessages === 0 &&
      this.rowsRead === 0 &&
      this.rowsWritten === 0 &&
      this.alarmsSet === 0
    )
  }

  /** The counts so far, leaving zeros: `restore` puts them back if their flush fails. */
  take(): UsageCounts {
    const taken = { ...this, flushes: 1 }
    this.requests = this.webSocketMessages = this.rowsRead = this.rowsWritten = this.alarmsSet = 0
    return taken
  }

  restore(c: UsageCounts): void {
    this.requests += c.requests
    this.webSocketMessages += c.webSocketMessages
    this.rowsRead += c.rowsRead
    this.rowsWritten += c.rowsWritten
    this.alarmsSet += c.alarmsSet
  }
}

/** The UTC month a flush counts into, `2026-12`. */
export function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7)
}
