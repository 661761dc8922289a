// The room's counters in D1 (its `rooms` row, messages per hour, members' last activity),
// derived from the messages themselves and flushed in batches by the alarm and when the
// conversation goes quiet: never a D1 write per message. Remembers how far they reached.
import { openDb } from '../db/client.ts'
import { recordRoomActivity } from '../db/room-activity.ts'
import type { Env } from '../env.ts'
import type { MessageLog } from './message-log.ts'

/** Counters reach D1 about this often (plus up to 20% jitter, so rooms do not flush in step). */
const ACTIVITY_FLUSH_MS = 30_000
/** A room's first counters (which list it for staff) go sooner. */
const FIRST_FLUSH_MS = 2_000

export class ActivityCounters {
  private flushed = 0

  constructor(
    private readonly env: Env,
    private readonly sql: SqlStorage,
    private readonly log: MessageLog,
    private readonly roomId: string,
  ) {}

  /** From the room's meta table, on wake. */
  load(flushedSeq: number): void {
    this.flushed = flushedSeq
  }

  /** The highest seq D1's counters include. */
  get flushedSeq(): number {
    return this.flushed
  }

  /** Messages were stored that D1's counters do not include yet. */
  get behind(): boolean {
    return this.log.lastSeq > this.flushed
  }

  /** How long the next flush may wait: a new conversation is listed for staff within seconds. */
  nextDelayMs(): number {
    return this.flushed === 0 ? FIRST_FLUSH_MS : ACTIVITY_FLUSH_MS * (1 + Math.random() / 5)
  }

  /** Message counts per hour and senders' activity since the last flush. */
  async flush(members: [string, string] | null): Promise<void> {
    const upTo = this.log.lastSeq
    if (upTo <= this.flushed || !members) return
    await recordRoomActivity(openDb(this.env.DB), {
      roomId: this.roomId,
      members,
      messageCount: upTo,
      ...this.log.activity(this.flushed, upTo),
    })
    this.flushed = upTo
    this.sql.exec(
      "insert into meta (key, value) values ('flushed_seq', ?) on conflict (key) do update set value = excluded.value",
      String(upTo),
    )
  }
}
