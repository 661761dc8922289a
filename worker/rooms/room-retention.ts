// Retention (ADR 009): with RETENTION_DAYS set, a room destroys its messages older than
// that (rows gone, with their reactions and attachments, whose bytes and quota go through
// doomed_files) from its own alarm, a bounded batch per run, so no global job scans
// everything. History then starts at the oldest kept seq: seq has a gap at the start only.
// The room's next purge is its oldest message's expiry, at most about once an hour.
import { auditStatement } from '../db/audit.ts'
import { openDb } from '../db/client.ts'
import type { Env } from '../env.ts'
import type { MessageLog } from './message-log.ts'
import type { DoomedFile, RoomFiles } from './room-files.ts'

const DAY_MS = 86_400_000
/** A room wakes for retention at most this often (so a message goes within an hour of expiring). */
export const PURGE_INTERVAL_MS = 3_600_000
/** Messages destroyed per alarm at most: a room with more re-arms at once, and chat runs in between. */
export const PURGE_BATCH = 1_000
/** Rounds of R2 deletes (DESTROY_PAGE files each, room-files.ts) a purge waits for; the alarm retries the rest. */
export const MAX_DESTROY_ROUNDS = 25

/** RETENTION_DAYS as whole days; 0 (the default, and any value that is not a positive integer) keeps forever. */
export function retentionDaysOf(env: Pick<Env, 'RETENTION_DAYS'>): number {
  const raw = env.RETENTION_DAYS?.trim() ?? ''
  if (raw === '' || raw === '0') return 0
  const days = Number(raw)
  if (Number.isSafeInteger(days) && days > 0) return days
  console.error(`RETENTION_DAYS=${JSON.stringify(raw)} is not a whole number of days: messages are kept forever`)
  return 0
}

/**
 * The time retention reads. Workerd tests, which run in the rooms' own isolate, move it
 * forward to expire messages; nothing else does.
 */
export const retentionClock = { now: (): number => Date.now() }

/** What one purge run destroyed. */
export interface PurgeRun {
  /** The seqs (from, upTo] are gone. */
  from: number
  upTo: number
  messages: number
  files: number
  /** Messages sent before this time were expired (ISO). */
  before: string
}

/**
 * Stored in meta at each purge. `seq` and `rev` are the log's at the time (its newest, which
 * may be kept); `purgedUpTo` is the highest seq destroyed, the one the inboxes are told.
 */
interface Floor {
  seq: number
  rev: number
  /** Missing in floors stored before it was kept apart from `seq`. */
  purgedUpTo?: number
}

interface PendingAudit {
  messages: number
  files: number
  before: string
}

export class RoomRetention {
  /** The highest seq destroyed (0: none yet). */
  purgedUpTo = 0
  /** When the alarm should next purge (ms), or null: retention off, or no message to expire. */
  private purgeAt: number | null = null
  /** lastSeq when purgeAt was last worked out: a room that gains its first message plans again. */
  private plannedAtSeq = -1
  private lastRunAt: number | null = null
  /** A purge's files or its audit entry are still to be done: the room's alarm must come back for them. */
  private owesWork = false

  constructor(
    private readonly env: Env,
    private readonly sql: SqlStorage,
    private readonly log: MessageLog,
    private readonly files: RoomFiles,
  ) {}

  /** After log.load(): seq and rev never go back below what was destroyed, even with every message gone. */
  load(): void {
    const floor = this.meta<Floor>('retention_floor')
    if (floor) {
      this.purgedUpTo = floor.purgedUpTo ?? this.legacyPurgedUpTo(floor.seq)
      this.log.lastSeq = Math.max(this.log.lastSeq, floor.seq)
      this.log.lastRev = Math.max(this.log.lastRev, floor.rev)
    }
    this.owesWork = this.meta<PendingAudit>('retention_audit') !== undefined
    this.plan()
  }

  /** Settling a purge (files, audit entry) is not done: the room keeps its alarm for it. */
  get owed(): boolean {
    return this.owesWork
  }

  /** When the room's alarm should purge next, or null. Cheap: SQL only when the room gained its first messages. */
  nextAt(): number | null {
    if (this.purgeAt === null && this.log.lastSeq !== this.plannedAtSeq) this.plan()
    return this.purgeAt
  }

  /** Works out the next purge from the oldest kept message (by seq: seqs are taken in time order). */
  plan(): void {
    this.plannedAtSeq = this.log.lastSeq
    const days = retentionDaysOf(this.env)
    const oldest =
      days === 0
        ? undefined
        : this.sql.exec<{ sent_at: string }>('select sent_at from messages order by seq limit 1').toArray()[0]
    if (!oldest) {
      this.purgeAt = null
      return
    }
    // A millisecond after it expires, so the run at that time finds it expired.
    const expires = Date.parse(oldest.sent_at) + days * DAY_MS + 1
    this.purgeAt = this.lastRunAt === null ? expires : Math.max(expires, this.lastRunAt + PURGE_INTERVAL_MS)
  }

  /**
   * Destroys, in one transaction, up to PURGE_BATCH of the oldest messages sent before now
   * minus the retention, and only those already counted in D1 (`countedUpTo`): their rows,
   * reactions and attachment rows, the files written down in doomed_files for `settle`.
   * Null when nothing was due.
   */
  purge(countedUpTo: number): PurgeRun | null {
    const days = retentionDaysOf(this.env)
    const now = retentionClock.now()
    if (days === 0 || this.purgeAt === null || this.purgeAt > now) {
      if (days === 0) this.purgeAt = null
      return null
    }
    this.lastRunAt = now
    const before = new Date(now - days * DAY_MS).toISOString()
    const rows = this.sql
      .exec<{ seq: number; sent_at: string }>(
        'select seq, sent_at from messages where seq <= ? order by seq limit ?',
        countedUpTo,
        PURGE_BATCH + 1,
      )
      .toArray()
    let count = 0
    while (count < Math.min(rows.length, PURGE_BATCH) && rows[count]!.sent_at < before) count++
    const more = count === PURGE_BATCH && rows.length > PURGE_BATCH && rows[PURGE_BATCH]!.sent_at < before
    if (count === 0) {
      this.plan()
      return null
    }
    const from = this.purgedUpTo
    const upTo = rows[count - 1]!.seq
    const files = this.log.transaction(() => {
      this.sql.exec('delete from reactions where seq <= ?', upTo)
      const gone = this.sql
        .exec<DoomedFile>(
          'delete from attachments where seq is not null and seq <= ? returning id, uploader_id, size, thumbnail',
          upTo,
        )
        .toArray()
      this.files.doom(gone)
      this.sql.exec('delete from messages where seq <= ?', upTo)
      // The purge takes a rev of its own, so the inboxes' snapshot version grows and they
      // take the new lastMessage; the floor keeps seq and rev from going back on a wake.
      this.log.lastRev += 1
      this.putMeta('retention_floor', {
        seq: this.log.lastSeq,
        rev: this.log.lastRev,
        purgedUpTo: upTo,
      } satisfies Floor)
      const owed = this.meta<PendingAudit>('retention_audit')
      this.putMeta('retention_audit', {
        messages: (owed?.messages ?? 0) + count,
        files: (owed?.files ?? 0) + gone.length,
        before,
      } satisfies PendingAudit)
      return gone.length
    })
    this.purgedUpTo = upTo
    this.owesWork = true
    if (more) this.purgeAt = now
    else this.plan()
    return { from, upTo, messages: count, files, before }
  }

  /**
   * After a purge (or on the next alarm, after a failure): the doomed files' bytes and quota,
   * then one `retention.purge` audit entry for what the runs destroyed. Throws when D1 or R2
   * failed; what is left stays written down for the next try, and `owed` stays true.
   */
  async settle(roomId: string): Promise<void> {
    if (!this.owesWork) return
    for (let i = 0; i < MAX_DESTROY_ROUNDS && this.files.pending(); i++) await this.files.destroyDoomed()
    const owed = this.meta<PendingAudit>('retention_audit')
    if (owed) {
      await auditStatement(openDb(this.env.DB), {
        actorId: null,
        action: 'retention.purge',
        targetType: 'conversation',
        targetId: roomId,
        changes: { messages: owed.messages, files: owed.files, before: owed.before },
      })
      this.sql.exec("delete from meta where key = 'retention_audit'")
    }
    // Files beyond this run's rounds are left for the next alarm, which `owed` keeps armed.
    this.owesWork = this.files.pending()
  }

  /**
   * A floor stored before `purgedUpTo` was: its seq is the newest seq at that purge, kept or
   * not. Every seq below the oldest kept message was destroyed (seq has a gap at the start only).
   */
  private legacyPurgedUpTo(floorSeq: number): number {
    const oldest = this.sql.exec<{ seq: number }>('select seq from messages order by seq limit 1').toArray()[0]
    return oldest ? Math.min(floorSeq, oldest.seq - 1) : floorSeq
  }

  private meta<T>(key: string): T | undefined {
    const row = this.sql.exec<{ value: string }>('select value from meta where key = ?', key).toArray()[0]
    return row ? (JSON.parse(row.value) as T) : undefined
  }

  private putMeta(key: string, value: unknown): void {
    this.sql.exec(
      'insert into meta (key, value) values (?, ?) on conflict (key) do update set value = excluded.value',
      key,
      JSON.stringify(value),
    )
  }
}
