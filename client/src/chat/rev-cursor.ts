// The `since` a chat socket's upgrade carries (CONTRACT.md: Chat WebSocket frames, `ready`):
// the rev up to which this client holds every change to the messages it has. It moves only on
// what was really received. The replay after `ready` sends updates in seq order, not rev
// order, so a connection lost halfway through it must not move `since` past updates still
// owed; only once the whole replay is in does `since` become the `lastRev` that `ready` named.

export class RevCursor {
  private confirmed = 0
  /** While a replay is arriving: what `ready` said, and the highest rev seen in it so far. */
  private replay: { lastSeq: number; lastRev: number; seen: number } | null = null

  /** The `since` for the next upgrade. */
  since(): number {
    return this.confirmed
  }

  replaying(): boolean {
    return this.replay !== null
  }

  /** The newest history page, loaded into a conversation that held no messages: it is current. */
  seed(revs: readonly number[]): void {
    for (const rev of revs) if (rev > this.confirmed) this.confirmed = rev
  }

  /** `ready` arrived on a socket opened with `after`; its replay (if any) follows. */
  ready(after: number, lastSeq: number, lastRev: number): void {
    if (lastSeq <= after && lastRev <= this.confirmed) {
      this.replay = null
      return
    }
    this.replay = { lastSeq, lastRev, seen: 0 }
  }

  /** A `message` or `update` frame was applied. */
  received(kind: 'message' | 'update', seq: number, rev: number): void {
    const replay = this.replay
    if (!replay) {
      // Live frames come in the order the room made the changes.
      if (rev > this.confirmed) this.confirmed = rev
      return
    }
    if (rev > replay.seen) replay.seen = rev
    // Updates come first and messages last, in seq order: the newest message ends the replay.
    if (kind === 'message' && seq >= replay.lastSeq) this.finish()
  }

  /**
   * A frame that can only come after the replay arrived: the answer to a ping sent once
   * `ready` was in (the replay is written before the socket opens; the pong after it).
   */
  replayOver(): void {
    if (this.replay) this.finish()
  }

  /** The socket closed: a replay cut short leaves `since` where it was. */
  closed(): void {
    this.replay = null
  }

  private finish(): void {
    const replay = this.replay!
    this.replay = null
    this.confirmed = Math.max(this.confirmed, replay.lastRev, replay.seen)
  }
}
