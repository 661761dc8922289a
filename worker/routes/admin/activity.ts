// /api/admin/activity: totals and messages per hour, from the batched counters in D1.
import { count, gte, or } from 'drizzle-orm'
import { Hono } from 'hono'
import { messageHours, rooms, users } from '../../db/schema.ts'
import type { AppEnv } from '../../env.ts'
import { retentionDaysOf } from '../../rooms/room-retention.ts'

const HOUR = 3600_000

/** One entry per UTC hour, oldest first, zeros included, ending with the current hour. */
function hours(n: number, now: number): string[] {
  const current = Math.floor(now / HOUR) * HOUR
  return Array.from({ length: n }, (_, i) => new Date(current - (n - 1 - i) * HOUR).toISOString())
}

export const adminActivity = new Hono<AppEnv>().get('/', async (c) => {
  const db = c.var.db
  const now = Date.now()
  const since24h = new Date(now - 24 * HOUR).toISOString()
  const week = hours(24 * 7, now)
  const [[totalUsers], [active], [totalConversations], counted] = await Promise.all([
    db.select({ n: count() }).from(users).all(),
    db
      .select({ n: count() })
      .from(users)
      .where(or(gte(users.lastLogin, since24h), gte(users.lastActiveAt, since24h)))
      .all(),
    db.select({ n: count() }).from(rooms).all(),
    db.select().from(messageHours).where(gte(messageHours.hour, week[0]!)).all(),
  ])
  const byHour = new Map(counted.map((h) => [h.hour, h.count]))
  const series = week.map((hour) => ({ hour, count: byHour.get(hour) ?? 0 }))
  return c.json({
    totalUsers: totalUsers?.n ?? 0,
    activeUsers24h: active?.n ?? 0,
    totalConversations: totalConversations?.n ?? 0,
    messagesPerHour: series.slice(-24),
    messagesPerHour7d: series,
    // Parley's extension: the retention policy (RETENTION_DAYS), 0 when messages are kept forever.
    retentionDays: retentionDaysOf(c.env),
  })
})
