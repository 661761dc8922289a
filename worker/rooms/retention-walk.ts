// RetentionWalk Durable Object (one, named "walk"): when a RETENTION_DAYS the walk has not
// yet seen is deployed, it pages once through D1's rooms table by id and nudges every room
// that has not been active since, so a room idle since before the policy arms its purge
// alarm too (a room that wakes for any other reason arms it itself). Paced, one page per
// alarm; the cursor is stored, so a restart or a deploy resumes where it was. Not a
// recurring scan: the next walk is for the next change of the policy (ADR 009).
import { DurableObject } from 'cloudflare:workers'
import { and, asc, gt, lt } from 'drizzle-orm'
import type { MiddlewareHandler } from 'hono'
import { openDb } from '../db/client.ts'
import { rooms } from '../db/schema.ts'
import type { AppEnv, Env } from '../env.ts'
import { roomById } from './room-key.ts'
import { retentionDaysOf } from './room-retention.ts'

/** Rooms nudged per alarm (at once: each is one small RPC that wakes the room). */
export const WALK_PAGE = 50
/** Pause between pages, so the walk never competes with chat for the rooms' time. */
export const WALK_PACE_MS = 1_000
const RETRY_MS = 60_000

export interface WalkStatus {
  /** The policy the last finished walk was for (0: none yet). */
  walkedDays: number
  /** The walk under way, or null. */
  walking: { days: number; after: string; startedAt: string; nudged: number } | null
}

export class RetentionWalk extends DurableObject<Env> {
  /** Starts a walk for `days` unless one was done or is under way for it. */
  async ensure(days: number): Promise<WalkStatus> {
    const status = this.status()
    if (days > 0 && status.walking?.days !== days && !(status.walking === null && status.walkedDays === days)) {
      // Rooms active after this time woke under the new policy and armed themselves.
      const walking = { days, after: '', startedAt: new Date().toISOString(), nudged: 0 }
      this.ctx.storage.kv.put('walking', walking)
      await this.ctx.storage.setAlarm(Date.now())
      return { ...status, walking }
    }
    return status
  }

  status(): WalkStatus {
    return {
      walkedDays: this.ctx.storage.kv.get<number>('walked_days') ?? 0,
      walking: this.ctx.storage.kv.get<WalkStatus['walking']>('walking') ?? null,
    }
  }

  override async alarm(): Promise<void> {
    const walk = this.status().walking
    if (!walk) return
    const page = await openDb(this.env.DB)
      .select({ id: rooms.id })
      .from(rooms)
      .where(and(gt(rooms.id, walk.after), lt(rooms.lastActivityAt, walk.startedAt)))
      .orderBy(asc(rooms.id))
      .limit(WALK_PAGE)
      .all()
    const results = await Promise.allSettled(page.map((r) => roomById(this.env, r.id).nudgeRetention()))
    const failed = results.filter((r) => r.status === 'rejected').length
    if (failed > 0) {
      // The same page again later: a nudge twice is harmless.
      console.error(`retention walk: ${failed} of ${page.length} rooms could not be nudged; retrying the page`)
      await this.ctx.storage.setAlarm(Date.now() + RETRY_MS)
      return
    }
    if (page.length < WALK_PAGE) {
      this.ctx.storage.kv.delete('walking')
      this.ctx.storage.kv.put('walked_days', walk.days)
      return
    }
    this.ctx.storage.kv.put('walking', { ...walk, after: page.at(-1)!.id, nudged: walk.nudged + page.length })
    await this.ctx.storage.setAlarm(Date.now() + WALK_PACE_MS)
  }
}

export function retentionWalkOf(env: Env) {
  return env.RETENTION_WALK.get(env.RETENTION_WALK.idFromName('walk'))
}

/** Once per isolate, while retention is on: tells the walk the policy, which starts it if it is new. */
let told = false
export const noteRetentionPolicy: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!told) {
    told = true
    const days = retentionDaysOf(c.env)
    if (days > 0) {
      const telling = retentionWalkOf(c.env)
        .ensure(days)
        .catch((err: unknown) => {
          told = false
          console.error('retention walk: could not be told the policy; the next request tries again', err)
        })
      try {
        c.executionCtx.waitUntil(telling)
      } catch {
        // No execution context (a direct app.request): the promise still runs.
      }
    }
  }
  await next()
}
