// /api/admin: staff only (401 without a session, 403 for a user who is not staff), the role
// read from D1 on every request (ADR 010).
import { Hono } from 'hono'
import type { AppEnv } from '../../env.ts'
import { requireCurrentSession, requireStaff } from '../../http/session.ts'
import { adminActivity } from './activity.ts'
import { adminAudit } from './audit.ts'
import { adminConversations } from './conversations.ts'
import { adminKeys } from './keys.ts'
import { adminUsage } from './usage.ts'
import { adminUsers } from './users.ts'

export const admin = new Hono<AppEnv>()
  .use(requireCurrentSession, requireStaff)
  .route('/users', adminUsers)
  .route('/conversations', adminConversations)
  .route('/activity', adminActivity)
  .route('/audit', adminAudit)
  .route('/keys', adminKeys)
  .route('/usage', adminUsage)
