// The bench's counting entry for Parley (`npm run bench -- --changes`, `--cost` and `--storm`,
// probe passes only): the same Worker and Durable Objects, with what Cloudflare bills counted.
// Never served in a deployment: the bench serves it from its frozen copy of the source,
// because a Durable Object's rows written, its incoming socket messages and the RPCs
// between objects are not observable from outside it. Plain JavaScript: the bench is
// type-checked as Node code, and this file runs inside workerd.
//
// Counted:
// - per Durable Object class: every `sql.exec` (by statement, with the cursor's own
//   `rowsRead`/`rowsWritten`), `transactionSync` commit, `setAlarm`/`deleteAlarm`, the
//   synchronous KV API (`storage.kv`: a get is a row read, a put or delete a row written),
//   the growth of `databaseSize`; the events it receives (incoming WebSocket messages,
//   fetches, alarm invocations) and how long it could not hibernate (see `activity`);
// - every call on a Durable Object stub, at the caller (the env every class and the
//   Worker get is wrapped): one billed request each, by caller, class and method;
// - every Worker request (HTTP and WebSocket upgrades), and the upgrades answered 1013
//   (a 101 carrying Retry-After, for the reconnect storm);
// - every D1 statement sent, with the `rows_read`/`rows_written` D1 reports for it (at
//   the session prototype: totals and per statement);
// - the same D1 statements by who ran them (at the binding each Worker request and each
//   object class is given): per request route, with the most one request ran and those
//   run after its answer, and per object class. Each statement lands in exactly one
//   route or one class, so their sum is the prototype's total.
// Read back through GET /api/__bench/storage (the storage part, per class),
// GET /api/__bench/meters (everything but the attribution) and GET /api/__bench/d1
// (the attribution: `{ byRoute, byObject, overloaded, upgrades }`).
import app, {
  ChatRoom as ParleyChatRoom,
  KeyRotation as ParleyKeyRotation,
  RateLimiter as ParleyRateLimiter,
  RetentionWalk as ParleyRetentionWalk,
  UserInbox as ParleyUserInbox,
} from '../../worker/index.ts'

/** Per class: totals over every instance since the isolate started (module state outlives hibernation). */
const totals = new Map()
/** Per instance: the cursor last returned, whose counts are taken at the next statement. */
const open = new Set()
/** Stub calls by "caller → Class.method" (fetch included), each one billed request to the callee. */
const calls = {}
const worker = { requests: 0, upgrades: 0, byRoute: {} }
const d1 = { sends: 0, statements: 0, rowsRead: 0, rowsWritten: 0, measured: false, byStatement: {} }
/**
 * D1 statements by who ran them (GET /api/__bench/d1): per Worker request route
 * (`requests`, `statements`, `maxPerRequest`, `afterAnswer`) and per object class
 * (`statements`); `upgrades` are the 101s answered, `overloaded` those carrying Retry-After.
 * Served with `sent`, the statements the session prototype saw: the same sum, once every
 * statement counted has been answered.
 */
const attributed = { byRoute: {}, byObject: {}, overloaded: 0, upgrades: 0 }
/** Indexes per table, as the first object of a class to write to it reported them. */
const indexes = {}

const BINDINGS = {
  CHAT_ROOM: 'ChatRoom',
  USER_INBOX: 'UserInbox',
  RATE_LIMITER: 'RateLimiter',
  KEY_ROTATION: 'KeyRotation',
  RETENTION_WALK: 'RetentionWalk',
}

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
      kvReads: 0,
      kvWrites: 0,
      webSocketMessages: 0,
      fetches: 0,
      alarms: 0,
      /** Milliseconds, summed over objects, during which an object had an event in progress, a timer or a waitUntil pending. */
      activeMs: 0,
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

/** The table a statement writes to (insert, update, delete, replace), or null for a read. */
function tableOf(query) {
  const m =
    /^\s*(?:with\b[\s\S]*?\)\s*)?(?:insert(?:\s+or\s+\w+)?\s+into|replace\s+into|update(?:\s+or\s+\w+)?|delete\s+from)\s+["`]?(\w+)/i.exec(
      query,
    )
  return m ? m[1].toLowerCase() : null
}

function take(probe) {
  const last = probe.last
  if (!last) return
  probe.last = null
  const read = last.cursor.rowsRead
  const written = last.cursor.rowsWritten
  probe.t.rowsRead += read
  probe.t.rowsWritten += written
  last.stat.rowsRead += read
  last.stat.rowsWritten += written
}

/** Per object: how long it could not hibernate (an event in progress, a timer or a waitUntil pending). */
function activityOf(t) {
  const a = { busy: 0, since: 0 }
  return {
    enter() {
      if (a.busy++ === 0) a.since = Date.now()
    },
    leave() {
      if (--a.busy === 0) t.activeMs += Date.now() - a.since
    },
    /** The open interval so far, for a report taken while the object is busy. */
    pendingMs(now) {
      return a.busy > 0 ? now - a.since : 0
    },
  }
}
const activities = new Map()

function track(activity, result) {
  if (result && typeof result.then === 'function') {
    return result.then(
      (v) => {
        activity.leave()
        return v
      },
      (err) => {
        activity.leave()
        throw err
      },
    )
  }
  activity.leave()
  return result
}

function instrument(className, ctx) {
  const t = totalsOf(className)
  t.instances++
  const storage = ctx.storage
  const id = ctx.id.toString()
  const activity = activityOf(t)
  activities.set(`${className}:${id}`, { t, activity })
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
        const table = tableOf(query)
        stat = { count: 0, rowsRead: 0, rowsWritten: 0, table }
        t.byStatement[key] = stat
        if (table && !indexes[table]) {
          try {
            indexes[table] = exec("select name from sqlite_master where type = 'index' and tbl_name = ?", table)
              .toArray()
              .map((r) => r.name)
          } catch {
            indexes[table] = null
          }
        }
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
  const waitUntil = ctx.waitUntil.bind(ctx)
  // Writable: the objects' own usage meter (worker/usage/object-meter.ts) wraps setAlarm and kv in turn.
  try {
    Object.defineProperty(storage, 'sql', { value: counted, writable: true, configurable: true })
    Object.defineProperty(storage, 'transactionSync', {
      value: (fn) => {
        t.transactions++
        const result = transactionSync(fn)
        take(probe)
        t.databaseBytes[id] = sql.databaseSize
        return result
      },
      writable: true,
      configurable: true,
    })
    Object.defineProperty(storage, 'setAlarm', {
      value: (...args) => {
        t.alarmsSet++
        return setAlarm(...args)
      },
      writable: true,
      configurable: true,
    })
    Object.defineProperty(storage, 'deleteAlarm', {
      value: (...args) => {
        t.alarmsDeleted++
        return deleteAlarm(...args)
      },
      writable: true,
      configurable: true,
    })
    const kv = storage.kv
    if (kv) {
      const counting = {
        get: (...args) => {
          t.kvReads++
          return kv.get(...args)
        },
        put: (...args) => {
          t.kvWrites++
          return kv.put(...args)
        },
        delete: (...args) => {
          t.kvWrites++
          return kv.delete(...args)
        },
        list: (...args) => kv.list(...args),
      }
      Object.defineProperty(storage, 'kv', { value: counting, writable: true, configurable: true })
    }
    Object.defineProperty(ctx, 'waitUntil', {
      value: (promise) => {
        activity.enter()
        Promise.resolve(promise).then(
          () => activity.leave(),
          () => activity.leave(),
        )
        return waitUntil(promise)
      },
      writable: true,
      configurable: true,
    })
  } catch {
    t.instrumented = false
  }
  return { t, activity }
}

/** A clock for the room's outbox whose pending timers count as time the room cannot hibernate. */
function countingClock(activity) {
  const pending = new Map()
  return {
    now: () => Date.now(),
    random: () => Math.random(),
    setTimeout(fn, ms) {
      activity.enter()
      const timer = setTimeout(() => {
        if (pending.delete(timer)) activity.leave()
        fn()
      }, ms)
      pending.set(timer, true)
      return timer
    },
    clearTimeout(timer) {
      clearTimeout(timer)
      if (pending.delete(timer)) activity.leave()
    },
  }
}

// ---- stub calls, at the caller ----

const wrappedEnvs = new Map()

function countCall(caller, className, method) {
  const key = `${caller} → ${className}.${method}`
  calls[key] = (calls[key] ?? 0) + 1
}

function wrapStub(stub, caller, className) {
  return new Proxy(stub, {
    get(target, prop) {
      const value = target[prop]
      if (typeof prop === 'symbol' || prop === 'then' || typeof value !== 'function') return value
      return (...args) => {
        countCall(caller, className, prop)
        return Reflect.apply(value, target, args)
      }
    },
  })
}

function wrapNamespace(ns, caller, className) {
  return new Proxy(ns, {
    get(target, prop) {
      const value = target[prop]
      if (typeof value !== 'function') return value
      if (prop === 'get' || prop === 'getByName') {
        return (...args) => wrapStub(Reflect.apply(value, target, args), caller, className)
      }
      return value.bind(target)
    },
  })
}

/**
 * The same env, with every Durable Object namespace handing out counting stubs for this
 * caller, and (with `db`) that D1 binding in place of the real one. An object class's
 * env runs its D1 statements through its class's tally; the Worker's gets one per request.
 */
function wrapEnv(env, caller, db = null) {
  countD1(env)
  let byCaller = wrappedEnvs.get(env)
  if (!byCaller) {
    byCaller = new Map()
    wrappedEnvs.set(env, byCaller)
  }
  let wrapped = byCaller.get(caller)
  if (!wrapped) {
    const overrides = {}
    for (const [binding, className] of Object.entries(BINDINGS)) {
      if (env[binding]) overrides[binding] = wrapNamespace(env[binding], caller, className)
    }
    if (caller !== 'Worker' && env.DB) overrides.DB = countedDb(env.DB, objectTally(caller))
    wrapped = withOverrides(env, overrides)
    byCaller.set(caller, wrapped)
  }
  return db ? withOverrides(wrapped, { DB: db }) : wrapped
}

function withOverrides(env, overrides) {
  return new Proxy(env, {
    get(target, prop) {
      return Object.hasOwn(overrides, prop) ? overrides[prop] : target[prop]
    },
  })
}

// ---- D1: statements sent and the rows D1 reports for them ----

let d1Patched = false

function noteD1(queries, results) {
  d1.sends++
  const list = Array.isArray(queries) ? queries : [queries]
  const answers = Array.isArray(results) ? results : [results]
  list.forEach((query, i) => {
    const meta = answers[i]?.meta ?? {}
    const read = Number(meta.rows_read ?? 0)
    const written = Number(meta.rows_written ?? 0)
    d1.statements++
    d1.rowsRead += read
    d1.rowsWritten += written
    const key = keyOf(String(query))
    const stat = d1.byStatement[key] ?? { count: 0, rowsRead: 0, rowsWritten: 0 }
    stat.count++
    stat.rowsRead += read
    stat.rowsWritten += written
    d1.byStatement[key] = stat
  })
}

/**
 * D1's binding sends every statement through its session's `_send` (or `_queryOrThrow`),
 * whose answer carries `meta.rows_read`/`rows_written`; `first()` and `raw()` (which
 * Drizzle uses for selects) drop that meta before the caller sees it, so the probe
 * patches the session class the binding shares, once per isolate.
 */
function countD1(env) {
  if (d1Patched || !env.DB || typeof env.DB.withSession !== 'function') return
  d1Patched = true
  try {
    const proto = Object.getPrototypeOf(env.DB.withSession())
    const send = proto._send
    const query = proto._queryOrThrow
    if (typeof send === 'function') {
      proto._send = async function (endpoint, q, ...rest) {
        const results = await send.call(this, endpoint, q, ...rest)
        noteD1(q, results)
        return results
      }
      d1.measured = true
    }
    if (typeof query === 'function') {
      proto._queryOrThrow = async function (request, ...rest) {
        const results = await query.call(this, request, ...rest)
        noteD1(
          (request?.queries ?? []).map((x) => x.sql),
          results,
        )
        return results
      }
      d1.measured = true
    }
  } catch {
    d1.measured = false
  }
}

// ---- D1: the same statements, by who ran them ----

/**
 * Adds `n` statements to a tally; once its request has answered (its waitUntil work),
 * straight into the route's totals as statements run after the answer.
 */
function count(tally, n) {
  tally.statements += n
  if (tally.late) {
    tally.late.statements += n
    tally.late.afterAnswer += n
  }
}

/** A prepared statement (the real one, so batch() takes it) whose runs count one each. */
function countedStatement(stmt, tally) {
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
    bind: (...values) => countedStatement(bind(...values), tally),
  })
}

/**
 * The real binding, each statement run tallied into `tally.statements`: a statement's
 * first/all/run/raw one, a batch each of its statements, exec() one. Statements are
 * counted where they are run, never where they are prepared, so one handed to batch()
 * counts once; sessions count the same way.
 */
function countedDb(db, tally) {
  const batchOf = (target) => (statements) => {
    count(tally, statements.length)
    return target.batch(statements)
  }
  return {
    prepare: (query) => countedStatement(db.prepare(query), tally),
    batch: batchOf(db),
    exec: (query) => {
      count(tally, 1)
      return db.exec(query)
    },
    withSession: (constraintOrBookmark) => {
      const session = db.withSession(constraintOrBookmark)
      return {
        prepare: (query) => countedStatement(session.prepare(query), tally),
        batch: batchOf(session),
        getBookmark: () => session.getBookmark(),
      }
    },
    dump: () => db.dump(),
  }
}

function objectTally(className) {
  let tally = attributed.byObject[className]
  if (!tally) {
    tally = { statements: 0 }
    attributed.byObject[className] = tally
  }
  return tally
}

function routeStat(key) {
  let stat = attributed.byRoute[key]
  if (!stat) {
    stat = { requests: 0, statements: 0, maxPerRequest: 0, afterAnswer: 0 }
    attributed.byRoute[key] = stat
  }
  return stat
}

/** A request's statements into its route; those run after the answer follow through `late`. */
function settle(tally, key) {
  const stat = routeStat(key)
  stat.requests++
  stat.statements += tally.statements
  if (tally.statements > stat.maxPerRequest) stat.maxPerRequest = tally.statements
  tally.late = stat
}

// ---- the classes ----

/** Every method of the class (RPC entry points and the room's own steps) counts as an event while it runs. */
function trackMethods(Probe, Parent) {
  for (const name of Object.getOwnPropertyNames(Parent.prototype)) {
    if (name === 'constructor' || Object.hasOwn(Probe.prototype, name)) continue
    const descriptor = Object.getOwnPropertyDescriptor(Parent.prototype, name)
    if (!descriptor || typeof descriptor.value !== 'function') continue
    const method = descriptor.value
    Object.defineProperty(Probe.prototype, name, {
      value: function (...args) {
        const a = this.__probe?.activity
        if (!a) return method.apply(this, args)
        a.enter()
        try {
          return track(a, method.apply(this, args))
        } catch (err) {
          a.leave()
          throw err
        }
      },
      writable: true,
      configurable: true,
    })
  }
}

/** The handlers the runtime calls: counted (billed) and tracked. */
function probeClass(Parent, className) {
  class Probe extends Parent {
    constructor(ctx, env) {
      const p = instrument(className, ctx)
      super(ctx, wrapEnv(env, className))
      this.__probe = p
      // The room's outbox waits on timers between delivery rounds: the room cannot hibernate meanwhile.
      if (this.outbox && typeof this.outbox === 'object' && 'clock' in this.outbox) {
        this.outbox.clock = countingClock(p.activity)
      }
    }
  }
  const handlers = {
    fetch: 'fetches',
    webSocketMessage: 'webSocketMessages',
    webSocketClose: null,
    webSocketError: null,
    alarm: 'alarms',
  }
  for (const [name, counter] of Object.entries(handlers)) {
    const method = Parent.prototype[name]
    if (typeof method !== 'function') continue
    Object.defineProperty(Probe.prototype, name, {
      value: function (...args) {
        const p = this.__probe
        if (counter) p.t[counter]++
        p.activity.enter()
        try {
          return track(p.activity, method.apply(this, args))
        } catch (err) {
          p.activity.leave()
          throw err
        }
      },
      writable: true,
      configurable: true,
    })
  }
  trackMethods(Probe, Parent)
  return Probe
}

export const ChatRoom = probeClass(ParleyChatRoom, 'ChatRoom')
export const UserInbox = probeClass(ParleyUserInbox, 'UserInbox')
export const RateLimiter = probeClass(ParleyRateLimiter, 'RateLimiter')
export const KeyRotation = probeClass(ParleyKeyRotation, 'KeyRotation')
export const RetentionWalk = probeClass(ParleyRetentionWalk, 'RetentionWalk')

function storageReport() {
  for (const probe of open) take(probe)
  const now = Date.now()
  const pending = {}
  for (const { t, activity } of activities.values()) {
    for (const [cls, tt] of totals) if (tt === t) pending[cls] = (pending[cls] ?? 0) + activity.pendingMs(now)
  }
  const out = {}
  for (const [className, t] of totals) {
    let databaseBytes = 0
    for (const bytes of Object.values(t.databaseBytes)) databaseBytes += bytes
    out[className] = {
      ...t,
      activeMs: t.activeMs + (pending[className] ?? 0),
      databaseBytes,
      objects: Object.keys(t.databaseBytes).length,
    }
  }
  return out
}

/** A route with its ids (UUIDs, long hex, numbers) taken out, as a key; upgrades marked. */
function routeOf(request, url) {
  const path = url.pathname
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, ':id')
    .replace(/\/[0-9a-f]{16,}(?=\/|$)/gi, '/:id')
    .replace(/\/\d+(?=\/|$)/g, '/:n')
  const upgrade = request.headers.get('upgrade')?.toLowerCase() === 'websocket'
  return `${request.method} ${path}${upgrade ? ' (upgrade)' : ''}`
}

async function countedFetch(request, env, ctx, route) {
  const tally = { statements: 0, late: null }
  let res
  try {
    res = await app.fetch(request, wrapEnv(env, 'Worker', countedDb(env.DB, tally)), ctx)
  } finally {
    settle(tally, route)
  }
  if (res.status === 101) {
    attributed.upgrades++
    if (res.headers.has('retry-after')) attributed.overloaded++
  }
  return res
}

export default {
  fetch(request, env, ctx) {
    const url = new URL(request.url)
    // Loopback only: the bench's wrangler dev listens on 127.0.0.1. Not counted.
    if (url.pathname === '/api/__bench/storage') return Response.json(storageReport())
    if (url.pathname === '/api/__bench/meters') {
      return Response.json({ classes: storageReport(), calls, worker, d1, indexes })
    }
    if (url.pathname === '/api/__bench/d1') return Response.json({ ...attributed, sent: d1.statements })
    worker.requests++
    const route = routeOf(request, url)
    if (route.endsWith(' (upgrade)')) worker.upgrades++
    worker.byRoute[route] = (worker.byRoute[route] ?? 0) + 1
    return countedFetch(request, env, ctx, route)
  },
}
