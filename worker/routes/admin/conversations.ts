// /api/admin/conversations: rooms with their batched counters, and a room's stored
// messages as Fernet tokens only. Opening them is audited and shown to both members.
import { count, desc, eq } from 'drizzle-orm'
import { Hono } from 'hono'
import { auditStatement } from '../../db/audit.ts'
import { rooms } from '../../db/schema.ts'
import type { AppEnv, Db } from '../../env.ts'
import { parseCursor, parseLimit, parsePage } from '../../http/params.ts'
import { Problem } from '../../http/problem.ts'
import { roomById } from '../../rooms/room-key.ts'

export const adminConversations = new Hono<AppEnv>()
  .get('/', async (c) => {
    const { page, pageSize } = parsePage(c.req.query('page'), c.req.query('pageSize'))
    const db = c.var.db
    const [rows, [total]] = await Promise.all([
      db
        .select()
        .from(rooms)
        .orderBy(desc(rooms.lastActivityAt), rooms.id)
        .limit(pageSize)
        .offset((page - 1) * pageSize)
        .all(),
      db.select({ n: count() }).from(rooms).all(),
    ])
    return c.json({
      conversations: rows.map(toSummary),
      total: total?.n ?? 0,
    })
  })

  .get('/:roomId', async (c) => {
    const row = await findRoom(c.var.db, c.req.param('roomId'))
    return c.json({ conversation: toSummary(row) })
  })

  .get('/:roomId/messages', async (c) => {
    const roomId = c.req.param('roomId')
    const db = c.var.db
    await findRoom(db, roomId)
    const before = parseCursor(c.req.query('before'), 'before')
    const limit = parseLimit(c.req.query('limit'))
    const room = roomById(c.env, roomId)
    const page = await room.storedMessages(before, limit)
    const staffId = c.var.user.id
    await Promise.all([
      room.recordAdminView(staffId),
      auditStatement(db, {
        actorId: staffId,
        action: 'conversation.view-messages',
        targetType: 'conversation',
        targetId: roomId,
        changes: { before, limit, returned: page.messages.length },
      }).run(),
    ])
    return c.json(page)
  })

type RoomRow = typeof rooms.$inferSelect

function toSummary(r: RoomRow) {
  return {
    roomId: r.id,
    members: [r.memberA, r.memberB],
    messageCount: r.messageCount,
    lastActivityAt: r.lastActivityAt,
  }
}

async function findRoom(db: Db, roomId: string): Promise<RoomRow> {
  const row = /^[0-9a-f]{64}$/.test(roomId)
    ? await db.select().from(rooms).where(eq(rooms.id, roomId)).get()
    : undefined
  if (!row) throw new Problem(404, 'conversation-not-found', 'There is no conversation with that id.')
  return row
}
