// /api/admin/audit: the audit log, newest first. Read-only: there is no route that edits it.
import { Hono } from 'hono'
import { openAuditNames } from '../../admin/audit-names.ts'
import { keyringOf } from '../../crypto/keys.ts'
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
  const [found, keys] = await Promise.all([listAudit(c.var.db, filter, page, pageSize), keyringOf(c.env)])
  // Only staff reach this route (admin/index.ts): the names are theirs to read, in plaintext,
  // beside the stored tokens, which stay untouched.
  const names = await openAuditNames(keys, found.entries)
  return c.json({ entries: found.entries.map((entry, i) => ({ ...entry, names: names[i]! })), total: found.total })
})
