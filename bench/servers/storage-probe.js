// The bench's counting entry for Parley (`npm run bench -- --changes` and `--cost`, probe
// passes only): the same Worker and Durable Objects, with what Cloudflare bills counted.
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
// - every Worker request (HTTP and WebSocket upgrades);
// - every D1 statement sent, with the `rows_read`/`rows_written` D1 reports for it.
// Read back through GET /api/__bench/storage (the storage part, per class) and
// GET /api/__bench/meters (everything).
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
      Object.defineProperty(storage, 'kv', { value: counting, configurable: true })
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

/** The same env, with every Durable Object namespace handing out counting stubs for this caller. */
function wrapEnv(env, caller) {
  countD1(env)
  let byCaller = wrappedEnvs.get(env)
  if (!byCaller) {
    byCaller = new Map()
    wrappedEnvs.set(env, byCaller)
  }
  let wrapped = byCaller.get(caller)
  if (!wrapped) {
    const namespaces = {}
    for (const [binding, className] of Object.entries(BINDINGS)) {
      if (env[binding]) namespaces[binding] = wrapNamespace(env[binding], caller, className)
    }
    wrapped = new Proxy(env, {
      get(target, prop) {
        return Object.hasOwn(namespaces, prop) ? namespaces[prop] : target[prop]
      },
    })
    byCaller.set(caller, wrapped)
  }
  return wrapped
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

/** A route with its ids taken out, as a key. */
function routeOf(request, url) {
  const path = url.pathname.replace(/\/[0-9a-f]{16,}(?=\/|$)/gi, '/:id').replace(/\/\d+(?=\/|$)/g, '/:n')
  return `${request.method} ${path}`
}

export default {
  fetch(request, env, ctx) {
    const url = new URL(request.url)
    // Loopback only: the bench's wrangler dev listens on 127.0.0.1. Not counted.
    if (url.pathname === '/api/__bench/storage') return Response.json(storageReport())
    if (url.pathname === '/api/__bench/meters') {
      return Response.json({ classes: storageReport(), calls, worker, d1, indexes })
    }
    worker.requests++
    if (request.headers.get('upgrade')?.toLowerCase() === 'websocket') worker.upgrades++
    const route = routeOf(request, url)
    worker.byRoute[route] = (worker.byRoute[route] ?? 0) + 1
    return app.fetch(request, wrapEnv(env, 'Worker'), ctx)
  },
}
