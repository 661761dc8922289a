// The bench's counting entry for Parley (`npm run bench -- --changes`, storage pass only):
// the same Worker and Durable Objects, with ChatRoom and UserInbox given a storage whose
// `sql.exec`, `transactionSync` and `setAlarm` count what they do, read back through
// GET /api/__bench/storage. A Durable Object's `rowsWritten` and `databaseSize` are not
// observable from outside it, so the bench serves this entry (from its frozen copy of
// the source, never in a deployment) to measure them. Plain JavaScript: the bench is
// type-checked as Node code, and this file runs inside workerd.
import app, { ChatRoom as ParleyChatRoom, UserInbox as ParleyUserInbox, RateLimiter } from '../../worker/index.ts'

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

export class ChatRoom extends ParleyChatRoom {
  constructor(ctx, env) {
    instrument('ChatRoom', ctx)
    super(ctx, env)
  }
}

export class UserInbox extends ParleyUserInbox {
  constructor(ctx, env) {
    instrument('UserInbox', ctx)
    super(ctx, env)
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
    if (new URL(request.url).pathname === '/api/__bench/storage') return Response.json(report())
    return app.fetch(request, env, ctx)
  },
}
