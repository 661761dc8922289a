// /api/admin/keys: which Fernet keys hold how many stored tokens, and re-encryption with the
// primary key (superuser only), run in the background by the KeyRotation object (ADR 009).
import { Hono } from 'hono'
import type { AppEnv } from '../../env.ts'
import { Problem } from '../../http/problem.ts'
import { keyRotationOf } from '../../keys/key-rotation.ts'

/** How long GET waits for a census to finish: enough for a small instance to answer with real numbers. */
const CENSUS_WAIT_MS = 2_000

export const adminKeys = new Hono<AppEnv>()
  .get('/', async (c) => c.json(await keyRotationOf(c.env).report(CENSUS_WAIT_MS)))
  .post('/reencrypt', async (c) => {
    if (!c.var.user.isSuperuser) {
      throw new Problem(403, 'superuser-only', 'Only a superuser can re-encrypt the stored data.')
    }
    // Idempotent while one runs: the job under way is the answer, and nothing is audited twice.
    const { status } = await keyRotationOf(c.env).start(c.var.user.id)
    return c.json(status, 202)
  })
