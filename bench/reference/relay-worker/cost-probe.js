// The relay DO's counting entry, for the bench's cost pass (`npm run bench -- --cost`):
// the same Worker and RelayRoom, counted the way servers/storage-probe.js counts Parley
// (Worker requests, fetches to the object, incoming WebSocket messages, every `sql.exec`
// with its cursor's rowsRead/rowsWritten, how long an object had an event in progress),
// read back through GET /api/__bench/meters. Plain JavaScript, as that probe.
import relay, { RelayRoom as BareRelayRoom } from './index.ts'

const t = {
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
  activeMs: 0,
  byStatement: {},
  databaseBytes: {},
  instrumented: true,
}
const worker = { requests: 0, upgrades: 0, byRoute: {} }
const calls = {}
const indexes = {}
const open = new Set()

function take(probe) {
  const last = probe.last
  if (!last) return
  probe.last = null
  const read = last.cursor.rowsRead
  const written = last.cursor.rowsWritten
  t.rowsRead += read
  t.rowsWritten += written
  last.stat.rowsRead += read
  last.stat.rowsWritten += written
}

export class RelayRoom extends BareRelayRoom {
  constructor(ctx, env) {
    t.instances++
    const sql = ctx.storage.sql
    const exec = sql.exec.bind(sql)
    const probe = { last: null, busy: 0, since: 0 }
    open.add(probe)
    const counted = {
      exec(query, ...bindings) {
        take(probe)
        const cursor = exec(query, ...bindings)
        const key = query.replace(/\s+/g, ' ').trim().slice(0, 120)
        const insert = /^\s*insert\s+into\s+(\w+)/i.exec(query)
        let stat = t.byStatement[key]
        if (!stat) {
          stat = { count: 0, rowsRead: 0, rowsWritten: 0, table: insert ? insert[1] : null }
          t.byStatement[key] = stat
          if (insert && !indexes[insert[1]]) {
            indexes[insert[1]] = exec("select name from sqlite_master where type = 'index' and tbl_name = ?", insert[1])
              .toArray()
              .map((r) => r.name)
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
    }
    try {
      Object.defineProperty(ctx.storage, 'sql', { value: counted, configurable: true })
    } catch {
      t.instrumented = false
    }
    super(ctx, env)
    this.__probe = probe
    this.__id = ctx.id.toString()
    this.__sql = sql
  }

  async fetch(request) {
    t.fetches++
    return this.#tracked(() => super.fetch(request))
  }

  async webSocketMessage(ws, raw) {
    t.webSocketMessages++
    return this.#tracked(() => super.webSocketMessage(ws, raw))
  }

  async webSocketClose(ws, code) {
    return this.#tracked(() => super.webSocketClose(ws, code))
  }

  async #tracked(run) {
    const p = this.__probe
    if (p.busy++ === 0) p.since = Date.now()
    try {
      return await run()
    } finally {
      if (--p.busy === 0) t.activeMs += Date.now() - p.since
      t.databaseBytes[this.__id] = this.__sql.databaseSize
    }
  }
}

function report() {
  for (const probe of open) take(probe)
  let databaseBytes = 0
  for (const bytes of Object.values(t.databaseBytes)) databaseBytes += bytes
  return { ...t, databaseBytes, objects: Object.keys(t.databaseBytes).length }
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url)
    if (url.pathname === '/api/__bench/meters') {
      return Response.json({
        classes: { RelayRoom: report() },
        calls,
        worker,
        d1: { sends: 0, statements: 0, rowsRead: 0, rowsWritten: 0, measured: true, byStatement: {} },
        indexes,
      })
    }
    if (url.pathname !== '/api/health') {
      worker.requests++
      const route = `${request.method} ${url.pathname.replace(/\/[^/]+\/ws$/, '/:pair/ws')}`
      worker.byRoute[route] = (worker.byRoute[route] ?? 0) + 1
      if (request.headers.get('upgrade')?.toLowerCase() === 'websocket') {
        // The relay forwards every upgrade to the pair's object.
        worker.upgrades++
        const key = 'Worker → RelayRoom.fetch'
        calls[key] = (calls[key] ?? 0) + 1
      }
    }
    return relay.fetch(request, env, ctx)
  },
}
