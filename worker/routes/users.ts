// /api/users?q=: find people to talk to, by exact email or whole name words.
import { Hono } from 'hono'
import { MAX_SEARCH_RESULTS } from '../../protocol/api.ts'
import { codePointLength } from '../../protocol/text.ts'
import { keyringOf } from '../crypto/keys.ts'
import { searchUsers, toPeer } from '../db/users.ts'
import type { AppEnv } from '../env.ts'
import { invalid } from '../http/problem.ts'
import { requireSession } from '../http/session.ts'

const MAX_QUERY_CHARS = 254

export const usersRoute = new Hono<AppEnv>().use(requireSession).get('/', async (c) => {
  const q = (c.req.query('q') ?? '').trim()
  if (q === '') throw invalid({ q: 'Enter an email address or a name to search for.' })
  if (codePointLength(q) > MAX_QUERY_CHARS) throw invalid({ q: `Search for at most ${MAX_QUERY_CHARS} characters.` })
  const rows = await searchUsers(c.var.db, c.env.NAME_INDEX_KEY, q, c.var.user.id, MAX_SEARCH_RESULTS)
  const keys = await keyringOf(c.env)
  return c.json({ users: await Promise.all(rows.map((r) => toPeer(keys, r))) })
})
