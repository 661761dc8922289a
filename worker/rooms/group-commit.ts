// Group commit: frames that change the log wait here for one turn of the event loop, then
// commit together, in the order they arrived: one storage commit per batch, not per frame.

/** Changes committed together at most. */
export const MAX_BATCH = 64

export class GroupCommit<T> {
  private pending: T[] = []
  private committing = false

  constructor(
    private readonly commit: (batch: T[]) => Promise<void>,
    /** The batch failed and nothing of it was acknowledged: the rest queued is dropped too. */
    private readonly failed: (err: unknown, dropped: T[]) => void,
  ) {}

  push(item: T): void {
    this.pending.push(item)
    if (this.committing) return
    this.committing = true
    // One turn of the event loop lets frames that already arrived join this commit; under
    // light load that costs a fraction of a millisecond.
    setTimeout(() => void this.run(), 0)
  }

  private async run(): Promise<void> {
    let batch: T[] = []
    try {
      while (this.pending.length > 0) {
        batch = this.pending.splice(0, MAX_BATCH)
        await this.commit(batch)
      }
    } catch (err) {
      const dropped = [...batch, ...this.pending]
      this.pending = []
      this.failed(err, dropped)
    } finally {
      this.committing = false
    }
  }
}
