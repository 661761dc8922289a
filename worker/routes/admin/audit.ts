// /api/admin/audit: the audit log, newest first. Read-only: there is no route that edits it.
import { Hono } from 'hono'
import { listAudit } from '../../db/audit.ts'
import type { AppEnv } from '../../env.ts'
import { parsePage } from '../../http/params.ts'

export const adminAudit = new Hono<AppEnv>().get('/', async (c) => {
  const { page, pageSize } = parsePage(c.req.query('page'), c.req.query('pageSize'))
  const filter: { actorId?: string; targetId?: string } = {}
  const actorId = c.req.query('actorId')
  const targetId = c.req.query('targetId')
  if (actorId) filter.actorId = actorId
  if (targetId) filter.targetId = targetId
  return c.json(await listAudit(c.var.db, filter, page, pageSize))
})
