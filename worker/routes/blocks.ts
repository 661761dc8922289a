// /api/me/blocks: the people the signed-in user blocked (CONTRACT.md: Blocking). D1 holds the
// truth; after each write the pair's room and both members' inboxes are told before the 204
// (accounts/block-sync.ts), so a send right after it is refused.
import { type Context, Hono } from 'hono'
import { syncBlocks } from '../accounts/block-sync.ts'
import { keyringOf } from '../crypto/keys.ts'
import { listBlockedPeers, setBlock } from '../db/blocks.ts'
import { findUser } from '../db/users.ts'
import type { AppEnv, Env } from '../env.ts'
import { invalid, Problem } from '../http/problem.ts'
import { limiter, tooMany } from '../http/rate-limit.ts'
import { requireSession } from '../http/session.ts'

export const blocks = new Hono<AppEnv>()
  .use(requireSession)
  .get('/', async (c) => {
    return c.json({ blocks: await listBlockedPeers(c.var.db, await keyringOf(c.env), c.var.user.id) })
  })
  .put('/:userId', (c) => changeBlock(c, true))
  .delete('/:userId', (c) => changeBlock(c, false))

const DEFAULT_BLOCK_CHANGES_PER_MINUTE = 30

/** Each change reaches the other person's screens and the audit log: toggling is rate limited. */
async function reserveBlockChange(env: Env, userId: string): Promise<void> {
  const n = Number(env.BLOCK_CHANGES_PER_MINUTE)
  const perMinute = Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_BLOCK_CHANGES_PER_MINUTE
  const verdict = await limiter(env, `blocks:${userId}`).reserve(perMinute, 60)
  if (!verdict.allowed)
    throw tooMany(verdict.retryAfter, `You can block or unblock ${perMinute} times a minute. Try again shortly.`)
}

async function changeBlock(c: Context<AppEnv>, on: boolean): Promise<Response> {
  const me = c.var.user.id
  const target = await findUser(c.var.db, c.req.param('userId') ?? '')
  // A deleted account is gone for this purpose: there is nobody left to block.
  if (!target || target.deletedAt) throw new Problem(404, 'user-not-found', 'There is no user with that id.')
  if (target.id === me) throw invalid({ userId: 'You cannot block yourself.' })
  await reserveBlockChange(c.env, me)
  await setBlock(c.var.db, me, target.id, on)
  // Told even when nothing changed, so repeating the request mends a room or inbox that missed it.
  await syncBlocks(c.env, c.var.db, me, target.id)
  return c.body(null, 204)
}
