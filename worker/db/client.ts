// The one way to open D1: Drizzle over the bound-parameter guard (param-limit.ts) and the
// usage meter (worker/usage/isolate-usage.ts), for the Worker and for the objects alike.
import { drizzle } from 'drizzle-orm/d1'
import type { Db } from '../env.ts'
import { meterD1 } from '../usage/isolate-usage.ts'
import { guardD1 } from './param-limit.ts'
import * as schema from './schema.ts'

export function openDb(d1: D1Database): Db {
  return drizzle(meterD1(guardD1(d1)), { schema })
}
