// The bench's counting entry for Parley (`npm run bench -- --changes`, storage pass only):
// the same Worker and Durable Objects, with ChatRoom and UserInbox given a storage whose
// `sql.exec`, `transactionSync` and `setAlarm` count what they do, read back through
// GET /api/__bench/storage. A Durable Object's `rowsWritten` and `databaseSize` are not
// observable from outside it, so the bench serves this entry (from its frozen copy of
// the source, never in a deployment) to measure them. It also counts the D1 statements
// run (GET /api/__bench/d1: per request route, and per object class), wrapping the real
// binding the Worker and the objects are given, and the upgrades answered 1013 (a 101
// carrying Retry-After) for the reconnect storm (`--storm`). Plain JavaScript: the bench is
// type-checked as Node code, and this file runs inside workerd.
import app, {
  ChatRoom as ParleyChatRoom,
  KeyRotation as ParleyKeyRotation,
  RetentionWalk as ParleyRetentionWalk,
  UserInbox as ParleyUserInbox,
  RateLimiter,
} from '../../worker/index.ts'

/** Per class: totals over every instance since the isolate started (module state outlives hibernation). */
const totals = new Map()
/** Per instance: the cursor last returned, whose counts are taken at the next statement. */
const open = new Set()

function totalsOf(className) {
  let t = totals.get(className)
  if (!t) {
    t = {
      instances: 0,
      statements: 0,
      rowsRead: 0,
      rowsWritten: 0,
      transactions: 0,
      alarmsSet: 0,
      alarmsDeleted: 0,
      byStatement: {},
      databaseBytes: {},
      instrumented: true,
    }
    totals.set(className, t)
  }
  return t
}

/** The statement's text, shortened, as a key: its placeholders make it the same for every call. */
function keyOf(query) {
  return query
    .replace(/\s+/g, ' ')
    .replace(/\((?:\?, ?)+\?\)/g, '(?, …)')
    .trim()
    .slice(0, 120)
}

function take(probe) {
  const last = probe.last
  if (!last) return
  probe.last = null
  const read = last.cursor.rowsRead
  const written = last.cursor.rowsWritten
  probe.t.rowsRead += read
  probe.t.rowsWritten += written
  last.stat.rowsWritten += written
}

function instrument(className, ctx) {
  const t = totalsOf(className)
  t.instances++
  const storage = ctx.storage
  const id = ctx.id.toString()
  const sql = storage.sql
  const probe = { t, last: null }
  open.add(probe)
  const exec = sql.exec.bind(sql)
  const counted = {
    exec(query, ...bindings) {
      // The code under test consumes each cursor before its next statement.
      take(probe)
      const cursor = exec(query, ...bindings)
      const key = keyOf(query)
      let stat = t.byStatement[key]
      if (!stat) {
        stat = { count: 0, rowsWritten: 0 }
        t.byStatement[key] = stat
      }
      stat.count++
      t.statements++
      probe.last = { cursor, stat }
      return cursor
    },
    get databaseSize() {
      return sql.databaseSize
    },
    Cursor: sql.Cursor,
    Statement: sql.Statement,
  }
  const transactionSync = storage.transactionSync.bind(storage)
  const setAlarm = storage.setAlarm.bind(storage)
  const deleteAlarm = storage.deleteAlarm.bind(storage)
  try {
    Object.defineProperty(storage, 'sql', { value: counted, configurable: true })
    Object.defineProperty(storage, 'transactionSync', {
      value: (fn) => {
        t.transactions++
        const result = transactionSync(fn)
        take(probe)
        t.databaseBytes[id] = sql.databaseSize
        return result
      },
      configurable: true,
    })
    Object.defineProperty(storage, 'setAlarm', {
      value: (...args) => {
        t.alarmsSet++
        return setAlarm(...args)
      },
      configurable: true,
    })
    Object.defineProperty(storage, 'deleteAlarm', {
      value: (...args) => {
        t.alarmsDeleted++
        return deleteAlarm(...args)
      },
      configurable: true,
    })
  } catch {
    t.instrumented = false
  }
}

/** D1 statements since the isolate started: per request route of the Worker, and per object class. */
const d1 = { byRoute: {}, byObject: {}, overloaded: 0, upgrades: 0 }

/** The route of a path, ids replaced, as a key. */
function routeOf(request) {
  const path = new URL(request.url).pathname.replace(
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
    ':id',
  )
  const upgrade = request.headers.get('upgrade')?.toLowerCase() === 'websocket'
  return `${request.method} ${path}${upgrade ? ' (upgrade)' : ''}`
}

/**
 * The real binding, each statement run tallied into `tally.statements` (a batch counts
 * each of its statements, exec() one). The statements stay the real ones, so batch() takes them.
 */
function count(tally, n) {
  tally.statements += n
  // After the request's answer (its waitUntil work): straight into the route's totals.
  if (tally.late) {
    tally.late.statements += n
    tally.late.afterAnswer += n
  }
}

function countedDb(db, tally) {
  const wrap = (stmt) => {
    const bind = stmt.bind.bind(stmt)
    const run = (name) => {
      const real = stmt[name].bind(stmt)
      return (...args) => {
        count(tally, 1)
        return real(...args)
      }
    }
    return Object.assign(stmt, {
      first: run('first'),
      all: run('all'),
      run: run('run'),
      raw: run('raw'),
      bind: (...values) => wrap(bind(...values)),
    })
  }
  return {
    prepare: (query) => wrap(db.prepare(query)),
    batch: (statements) => {
      count(tally, statements.length)
      return db.batch(statements)
    },
    exec: (query) => {
      count(tally, 1)
      return db.exec(query)
    },
    withSession: (c) => db.withSession(c),
    dump: () => db.dump(),
  }
}

function objectEnv(className, env) {
  let tally = d1.byObject[className]
  if (!tally) {
    tally = { statements: 0, late: null }
    d1.byObject[className] = tally
  }
  return { ...env, DB: countedDb(env.DB, tally) }
}

export class ChatRoom extends ParleyChatRoom {
  constructor(ctx, env) {
    instrument('ChatRoom', ctx)
    super(ctx, objectEnv('ChatRoom', env))
  }
}

export class UserInbox extends ParleyUserInbox {
  constructor(ctx, env) {
    instrument('UserInbox', ctx)
    super(ctx, objectEnv('UserInbox', env))
  }
}

async function countedFetch(request, env, ctx) {
  const tally = { statements: 0, late: null }
  const key = routeOf(request)
  const res = await app.fetch(request, { ...env, DB: countedDb(env.DB, tally) }, ctx)
  let stat = d1.byRoute[key]
  if (!stat) {
    stat = { requests: 0, statements: 0, maxPerRequest: 0, afterAnswer: 0 }
    d1.byRoute[key] = stat
  }
  stat.requests++
  stat.statements += tally.statements
  tally.late = stat
  if (tally.statements > stat.maxPerRequest) stat.maxPerRequest = tally.statements
  if (res.status === 101) {
    d1.upgrades++
    if (res.headers.has('retry-after')) d1.overloaded++
  }
  return res
}

// The other objects, their D1 statements counted too (their storage is not instrumented).
export class KeyRotation extends ParleyKeyRotation {
  constructor(ctx, env) {
    super(ctx, objectEnv('KeyRotation', env))
  }
}

export class RetentionWalk extends ParleyRetentionWalk {
  constructor(ctx, env) {
    super(ctx, objectEnv('RetentionWalk', env))
  }
}

export { RateLimiter }

function report() {
  for (const probe of open) take(probe)
  const out = {}
  for (const [className, t] of totals) {
    let databaseBytes = 0
    for (const bytes of Object.values(t.databaseBytes)) databaseBytes += bytes
    out[className] = { ...t, databaseBytes, objects: Object.keys(t.databaseBytes).length }
  }
  return out
}

export default {
  fetch(request, env, ctx) {
    // Loopback only: the bench's wrangler dev listens on 127.0.0.1.
    const path = new URL(request.url).pathname
    if (path === '/api/__bench/storage') return Response.json(report())
    if (path === '/api/__bench/d1') return Response.json(d1)
    return countedFetch(request, env, ctx)
  },
}
