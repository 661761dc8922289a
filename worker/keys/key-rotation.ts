// KeyRotation Durable Object (ADR 009): one instance, by name, that counts stored Fernet
// tokens per key (a census) and re-encrypts every token not made with the primary key.
// A pass visits D1's users, then D1's audit entries, then every ChatRoom (D1 `rooms`, then
// rooms that only have files in R2), then every UserInbox, each by RPC one bounded page at
// a time. The job (phase, listing cursor, the objects under way with their own cursors,
// counts) lives in this object's storage and each alarm runs one step of it, so a restart
// or a deploy resumes where it stopped; pages are idempotent, so a step cut short and run
// again only counts its page twice in the census, never loses a token.
import { DurableObject } from 'cloudflare:workers'
import type { KeysReport, KeysStatus } from '../../protocol/api.ts'
import { keyringOf } from '../crypto/keys.ts'
import { auditStatement } from '../db/audit.ts'
import { openDb } from '../db/client.ts'
import { chunk, guardD1 } from '../db/param-limit.ts'
import type { Env } from '../env.ts'
import { inboxOf } from '../inbox/inbox-key.ts'
import { roomById } from '../rooms/room-key.ts'
import { passAuditPage, passUsersPage } from './d1-reencrypt.ts'
import { keyFingerprints } from './fingerprints.ts'
import { addTally, emptyTally, type PassCursor, type PassPage, type Tally } from './token-tally.ts'

/** Objects one step pages through at once, each by one RPC. */
export const OBJECTS_PER_STEP = 10
/**
 * A census older than this, or taken under other keys, is taken again when staff look. A
 * census wakes every room and inbox, so not often: new tokens are always sealed with the
 * primary key, so the old keys' counts can only fall since the last one.
 */
export const CENSUS_MAX_AGE_MS = 24 * 60 * 60_000
/** An alarm that dies midway is run again after this. */
const WATCHDOG_MS = 60_000
const DEFAULT_PAUSE_MS = 20
const FILES_PREFIX = 'attachments/'
const ROOM_ID = /^[0-9a-f]{64}$/

const PHASES = ['users', 'audit', 'rooms', 'file-rooms', 'inboxes', 'finished'] as const
type Phase = (typeof PHASES)[number]

interface Job {
  kind: 'census' | 'reencrypt'
  /** Fingerprints of FERNET_KEYS when the job began: other keys start it again. */
  keyset: string
  actorId: string | null
  startedAt: string
  phase: Phase
  /** The last id listed in this phase (R2's cursor in `file-rooms`). */
  cursor: string
  listed: boolean
  /** Objects listed and not finished, each with where its own pass resumes. */
  active: { id: string; cursor: PassCursor | null }[]
  done: number
  total: number
  tally: Tally
}

interface Census {
  keyset: string
  takenAt: string
  /** Tokens per key fingerprint. */
  counts: Record<string, number>
  unreadable: number
}

interface Run {
  keyset: string
  startedAt: string
  finishedAt: string
  done: number
  total: number
  rewritten: number
}

export function keyRotationOf(env: Env) {
  return env.KEY_ROTATION.get(env.KEY_ROTATION.idFromName('key-rotation'))
}

export class KeyRotation extends DurableObject<Env> {
  private driving: Promise<void> | null = null
  private interrupted = false
  private starting: Promise<unknown> | null = null

  // ---- RPC from the Worker ----

  /** The keys and their counts; takes a census when none is fresh, waiting up to `waitMs` for it. */
  async report(waitMs = 0): Promise<KeysStatus> {
    const keyset = await this.keyset()
    const census = this.census()
    const stale = !census || census.keyset !== keyset || Date.now() - Date.parse(census.takenAt) > CENSUS_MAX_AGE_MS
    if (!this.job() && stale) await this.begin('census', null)
    // A job whose alarm was lost (local state restored without it) is driven again.
    else if (this.job() && (await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now())
    if (this.job()?.kind === 'census' && waitMs > 0) await this.runFor(waitMs)
    return this.status(keyset)
  }

  /** Starts re-encrypting (audited first: a start that cannot be recorded does not happen). False if one runs. */
  async start(actorId: string): Promise<{ started: boolean; status: KeysStatus }> {
    // Two presses at once start (and audit) one run: the second waits for the first, then finds it.
    while (this.starting) await this.starting.catch(() => {})
    const starting = this.startOnce(actorId)
    this.starting = starting
    try {
      return await starting
    } finally {
      this.starting = null
    }
  }

  private async startOnce(actorId: string): Promise<{ started: boolean; status: KeysStatus }> {
    const keyset = await this.keyset()
    if (this.job()?.kind === 'reencrypt') return { started: false, status: this.status(keyset) }
    const fingerprints = keyset.split(',')
    await auditStatement(openDb(this.env.DB), {
      actorId,
      action: 'keys.reencrypt',
      targetType: 'keys',
      targetId: fingerprints[0]!,
      changes: { primary: fingerprints[0], keys: fingerprints },
    }).run()
    // A census under way gives way: the re-encryption counts as it goes.
    await this.pause()
    await this.begin('reencrypt', actorId)
    return { started: true, status: this.status(keyset) }
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS)
    await this.runFor(0)
    if (this.job()) await this.ctx.storage.setAlarm(Date.now() + this.pauseMs())
    else await this.ctx.storage.deleteAlarm()
  }

  // ---- driving the job ----

  /**
   * Steps until `ms` have passed, one driver at a time. The alarm (`ms` 0) always runs one
   * step; a request that waited its time out behind another driver returns without one,
   * so many requests at once never queue up behind each other's budgets.
   */
  private async runFor(ms: number): Promise<void> {
    const deadline = Date.now() + ms
    while (this.driving) await this.driving
    if (ms > 0 && Date.now() >= deadline) return
    this.driving = (async () => {
      do {
        if (this.interrupted || !(await this.step())) return
      } while (Date.now() < deadline)
    })().finally(() => {
      this.driving = null
    })
    await this.driving
  }

  /** Lets the step under way finish and keeps new ones from starting until the job is replaced. */
  private async pause(): Promise<void> {
    this.interrupted = true
    try {
      while (this.driving) await this.driving
    } finally {
      this.interrupted = false
    }
  }

  private async begin(kind: Job['kind'], actorId: string | null): Promise<void> {
    const db = guardD1(this.env.DB)
    const [users, inboxes, audit, rooms] = await Promise.all(
      [
        'select count(*) as n from users',
        'select count(*) as n from users where deleted_at is null',
        'select count(*) as n from audit_log',
        'select count(*) as n from rooms',
      ].map(async (q) => (await db.prepare(q).first<{ n: number }>())?.n ?? 0),
    )
    const keyset = await this.keyset()
    const job: Job = {
      kind,
      keyset,
      actorId,
      startedAt: new Date().toISOString(),
      phase: 'users',
      cursor: '',
      listed: false,
      active: [],
      done: 0,
      total: users! + audit! + rooms! + inboxes!,
      tally: emptyTally(keyset.split(',').length),
    }
    this.ctx.storage.kv.put('job', job)
    await this.ctx.storage.setAlarm(Date.now())
  }

  /** One bounded step; false when there is no job left. */
  private async step(): Promise<boolean> {
    const job = this.job()
    if (!job) return false
    const keyset = await this.keyset()
    if (job.keyset !== keyset) {
      // FERNET_KEYS changed under the job: what it counted is for other keys. Start over.
      await this.begin(job.kind, job.actorId)
      return true
    }
    const keys = await keyringOf(this.env)
    const rewrite = job.kind === 'reencrypt'
    const db = guardD1(this.env.DB)
    switch (job.phase) {
      case 'users':
      case 'audit': {
        const page = await (job.phase === 'users' ? passUsersPage : passAuditPage)(db, keys, job.cursor, rewrite)
        addTally(job.tally, page.tally)
        job.done += page.rows
        if (page.next === null) advance(job)
        else job.cursor = page.next
        break
      }
      case 'rooms':
      case 'file-rooms':
      case 'inboxes': {
        if (job.active.length < OBJECTS_PER_STEP && !job.listed) await this.list(job)
        if (job.active.length === 0) {
          if (job.listed) advance(job)
          break
        }
        const batch = job.active.slice(0, OBJECTS_PER_STEP)
        const results = await Promise.allSettled(batch.map((a) => this.pageOf(job.phase, a.id, a.cursor, rewrite)))
        const finished = new Set<string>()
        results.forEach((r, i) => {
          const a = batch[i]!
          if (r.status === 'rejected') {
            // Left in place: the next step tries it again from the same cursor.
            console.error(`key rotation: ${job.phase} ${a.id} failed; retrying`, r.reason)
            return
          }
          addTally(job.tally, r.value.tally)
          if (r.value.next === null) finished.add(a.id)
          else a.cursor = r.value.next
        })
        job.done += finished.size
        job.active = job.active.filter((a) => !finished.has(a.id))
        break
      }
      case 'finished':
        return this.finish(job)
    }
    this.ctx.storage.kv.put('job', job)
    return true
  }

  /** Lists the next objects of the phase into `active`. */
  private async list(job: Job): Promise<void> {
    const want = OBJECTS_PER_STEP - job.active.length
    const db = guardD1(this.env.DB)
    let ids: string[]
    if (job.phase === 'file-rooms') {
      // Rooms with files but no message yet are not in D1: R2 names them (attachments/<room>/…).
      const page = await this.env.ATTACHMENTS.list({
        prefix: FILES_PREFIX,
        delimiter: '/',
        limit: 100,
        ...(job.cursor ? { cursor: job.cursor } : {}),
      })
      const found = page.delimitedPrefixes.map((p) => p.slice(FILES_PREFIX.length, -1)).filter((id) => ROOM_ID.test(id))
      const known = new Set<string>()
      for (const part of chunk(found, 100)) {
        const { results } = await db
          .prepare(`select id from rooms where id in (${part.map(() => '?').join(',')})`)
          .bind(...part)
          .all<{ id: string }>()
        for (const r of results) known.add(r.id)
      }
      ids = found.filter((id) => !known.has(id))
      job.total += ids.length
      job.listed = !page.truncated
      if (page.truncated) job.cursor = page.cursor
    } else {
      const query =
        job.phase === 'rooms'
          ? 'select id from rooms where id > ? order by id limit ?'
          : 'select id from users where id > ? and deleted_at is null order by id limit ?'
      const { results } = await db.prepare(query).bind(job.cursor, want).all<{ id: string }>()
      ids = results.map((r) => r.id)
      job.listed = ids.length < want
      if (ids.length > 0) job.cursor = ids.at(-1)!
    }
    for (const id of ids) job.active.push({ id, cursor: null })
  }

  private pageOf(phase: Phase, id: string, cursor: PassCursor | null, rewrite: boolean): Promise<PassPage> {
    return phase === 'inboxes'
      ? inboxOf(this.env, id).reencryptPage(cursor, rewrite)
      : roomById(this.env, id).reencryptPage(cursor, rewrite)
  }

  /**
   * The end of a pass. A census keeps its counts. A re-encryption is audited and recorded,
   * then followed by a census: a step cut short by a restart counts its page twice, and a
   * token that raced the pass (a snapshot in flight) would be missed, so the counts that
   * say an old key may go are taken afresh. True while there is more to do.
   */
  private async finish(job: Job): Promise<boolean> {
    const fingerprints = job.keyset.split(',')
    const now = new Date().toISOString()
    if (job.kind === 'reencrypt') {
      // Recorded before the job is replaced: a failure here is retried by the next alarm.
      await auditStatement(openDb(this.env.DB), {
        actorId: job.actorId,
        action: 'keys.reencrypt-done',
        targetType: 'keys',
        targetId: fingerprints[0]!,
        changes: { rewritten: job.tally.rewritten, unreadable: job.tally.unreadable, startedAt: job.startedAt },
      }).run()
      this.ctx.storage.kv.put('run', {
        keyset: job.keyset,
        startedAt: job.startedAt,
        finishedAt: now,
        done: job.done,
        total: job.done,
        rewritten: job.tally.rewritten,
      } satisfies Run)
      await this.begin('census', job.actorId)
      return true
    }
    this.ctx.storage.kv.put('census', {
      keyset: job.keyset,
      takenAt: now,
      counts: Object.fromEntries(fingerprints.map((fp, i) => [fp, job.tally.counts[i] ?? 0])),
      unreadable: job.tally.unreadable,
    } satisfies Census)
    this.ctx.storage.kv.delete('job')
    return false
  }

  // ---- storage helpers ----

  private status(keyset: string): KeysStatus {
    const fingerprints = keyset.split(',')
    const census = this.census()
    const job = this.job()
    const run = this.ctx.storage.kv.get<Run>('run')
    const ran = run?.keyset.split(',')
    // Done for these keys: the same primary, and no key now that the run did not know.
    const doneForThese = !!ran && ran[0] === fingerprints[0] && fingerprints.every((fp) => ran.includes(fp))
    const reencryption: KeysReport['reencryption'] =
      job?.kind === 'reencrypt'
        ? { state: 'running', done: job.done, total: Math.max(job.total, job.done), startedAt: job.startedAt }
        : run && doneForThese
          ? { state: 'done', done: run.done, total: run.total, startedAt: run.startedAt, finishedAt: run.finishedAt }
          : { state: 'idle', done: 0, total: 0 }
    return {
      keys: fingerprints.map((fingerprint, i) => ({
        fingerprint,
        primary: i === 0,
        tokens: census?.counts[fingerprint] ?? 0,
      })),
      reencryption,
      census: {
        ...(census ? { takenAt: census.takenAt } : {}),
        counting: job !== undefined,
        unreadable: census?.unreadable ?? 0,
      },
    }
  }

  private job(): Job | undefined {
    return this.ctx.storage.kv.get<Job>('job')
  }

  private census(): Census | undefined {
    return this.ctx.storage.kv.get<Census>('census')
  }

  private async keyset(): Promise<string> {
    return (await keyFingerprints(this.env.FERNET_KEYS)).join(',')
  }

  private pauseMs(): number {
    const ms = Number(this.env.KEY_ROTATION_PAUSE_MS ?? DEFAULT_PAUSE_MS)
    return Number.isFinite(ms) && ms >= 0 ? ms : DEFAULT_PAUSE_MS
  }
}

function advance(job: Job): void {
  job.phase = PHASES[PHASES.indexOf(job.phase) + 1] ?? 'finished'
  job.cursor = ''
  job.listed = false
  job.active = []
}
