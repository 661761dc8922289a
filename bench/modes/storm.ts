// Reconnect storm (issue 15): N signed-in users each hold a chat socket and a notifications
// socket; then a "deploy" (the whole `wrangler dev` killed and started again, as the restart
// mode does) and every client comes back as the web client would: its jittered backoff
// (client/src/chat/backoff.ts), the HTTP probe it makes right after a failed handshake, the
// conversation list it loads when its notifications socket opens, and the wait a 1013 asks
// for. Served from the storage probe (servers/storage-probe.js), which counts the D1
// statements of every request and object. Reports D1 statements per reconnect, the time
// until every socket is live again, the upgrades answered 1013, and one message per pair
// after the storm, which must all arrive.
import type { Message } from '../../protocol/api.ts'
import type { ReconnectPolicy } from '../load/client.ts'
import { requestJson } from '../load/http.ts'
import { openSession, type Session } from '../load/session.ts'
import { LatencyRecorder, NetCounters, type NetSnapshot, type Percentiles, round2 } from '../load/stats.ts'
import type { Target } from '../load/targets.ts'
import type { ParleyServer } from '../servers/parley.ts'
import { PROBE_ENTRY } from '../servers/snapshot.ts'

interface RouteStat {
  requests: number
  statements: number
  maxPerRequest: number
  afterAnswer: number
}

interface D1Report {
  byRoute: Record<string, RouteStat>
  byObject: Record<string, { statements: number }>
  overloaded: number
  upgrades: number
}

export interface StormRun {
  users: number
  pairs: number
  sockets: number
  connectS: number
  /** Kill → /api/health answering again. */
  downMs: number
  /** Sockets live again (a chat `ready`, a notifications `unread`) within the wait. */
  reconnected: number
  /** Kill → each socket live again. */
  reconnectMs: Percentiles
  /** Server healthy again → each socket live again. */
  afterHealthyMs: Percentiles
  /** Upgrades answered 1013 (server: 101s carrying Retry-After; clients: closes with 1013). */
  overloaded: { server: number; clientCloses: number }
  d1: {
    /** Every D1 statement of the Worker and the objects after the deploy (the health checks left out). */
    statements: number
    perSocketReconnect: number
    perUserReconnect: number
    /**
     * The same without the HTTP probes that follow a failed attempt (GET …/messages, GET
     * /api/notifications): a deploy on Cloudflare has no downtime, so no attempt fails there.
     */
    perSocketReconnectWithoutProbes: number
    /** The most one upgrade cost, by socket: the budget is 2. */
    maxPerUpgrade: { chat: number; notifications: number }
    byRoute: Record<string, RouteStat>
    byObject: Record<string, { statements: number }>
  }
  /** HTTP requests the clients made while reconnecting: probes after failed attempts, conversation lists. */
  requests: { probes: number; conversationLists: number; failed: number }
  messages: { sent: number; delivered: number; lost: number }
  net: NetSnapshot
}

/** The web client's reconnect (live-socket.ts): its backoff, resuming with `after`. */
const CLIENT_LIKE: ReconnectPolicy = {
  enabled: true,
  resume: true,
  baseMs: 500,
  capMs: 30_000,
  maxAttempts: 60,
  clientBackoff: true,
}
/** The routes of the web client's probes after a failed attempt (clientLike below). */
const PROBE_ROUTE = /^GET \/api\/(conversations\/:id\/messages|notifications)$/
const SETTLE_MS = 3_000
const RECONNECT_WAIT_MS = 180_000
const DELIVERY_WAIT_MS = 30_000

export async function runStorm(
  target: Target,
  server: ParleyServer,
  users: number,
  log: (line: string) => void,
): Promise<StormRun> {
  const pairs = Math.ceil(users / 2)
  const counters = new NetCounters()
  await server.serveEntry(PROBE_ENTRY)
  const t0 = performance.now()
  const session = await openSession(target, counters, {
    pairs,
    policy: CLIENT_LIKE,
    withNotifications: true,
    concurrency: 32,
  })
  try {
    const connectS = round2((performance.now() - t0) / 1000)
    const sockets = pairs * 4
    log(`storm: ${pairs * 2} users connected (${sockets} sockets) in ${connectS} s`)
    const requests = clientLike(session, server.url, counters)
    await sleep(SETTLE_MS)
    const closesBefore = counters.closes['1013'] ?? 0

    const killedAt = performance.now()
    log('storm: deploy (wrangler dev killed and started again)')
    await server.restart()
    const healthyAt = performance.now()
    const downMs = Math.round(healthyAt - killedAt)
    log(`storm: healthy again after ${downMs} ms; waiting for every socket`)
    const all = session.members.flatMap((m) => [m.chat, ...(m.notifications ? [m.notifications] : [])])
    const deadline = performance.now() + RECONNECT_WAIT_MS
    let live = 0
    while (performance.now() < deadline) {
      live = all.filter((s) => s.isReady && s.readyAt > killedAt).length
      if (live === all.length) break
      await sleep(250)
    }
    const fromKill = new LatencyRecorder(all.length)
    const fromHealthy = new LatencyRecorder(all.length)
    for (const s of all) {
      if (s.readyAt <= killedAt) continue
      fromKill.add(s.readyAt - killedAt)
      fromHealthy.add(Math.max(0, s.readyAt - healthyAt))
    }
    // What reconnecting made the clients ask: the lists a notifications socket's open loads.
    await sleep(SETTLE_MS)
    await requests.settled()
    const report = await d1Report(server.url, counters)
    const messages = await onePerPair(session)
    const routes = Object.entries(report.byRoute).filter(([k]) => !k.startsWith('GET /api/health'))
    const statements =
      routes.reduce((n, [, r]) => n + r.statements, 0) +
      Object.values(report.byObject).reduce((n, o) => n + o.statements, 0)
    const run: StormRun = {
      users: pairs * 2,
      pairs,
      sockets,
      connectS,
      downMs,
      reconnected: fromKill.count,
      reconnectMs: fromKill.summary(),
      afterHealthyMs: fromHealthy.summary(),
      overloaded: { server: report.overloaded, clientCloses: (counters.closes['1013'] ?? 0) - closesBefore },
      d1: {
        statements,
        perSocketReconnect: round2(statements / Math.max(1, fromKill.count)),
        perUserReconnect: round2(statements / (pairs * 2)),
        perSocketReconnectWithoutProbes: round2(
          (statements - routes.filter(([k]) => PROBE_ROUTE.test(k)).reduce((n, [, r]) => n + r.statements, 0)) /
            Math.max(1, fromKill.count),
        ),
        maxPerUpgrade: {
          chat: maxOfRoute(routes, /conversations\/:id\/ws \(upgrade\)$/),
          notifications: maxOfRoute(routes, /notifications\/ws \(upgrade\)$/),
        },
        byRoute: Object.fromEntries(routes),
        byObject: report.byObject,
      },
      requests: requests.counts,
      messages,
      net: counters.snapshot(),
    }
    log(
      `storm: ${run.reconnected}/${sockets} sockets back; from the kill p50 ${run.reconnectMs.p50} ms, ` +
        `p99 ${run.reconnectMs.p99} ms, max ${run.reconnectMs.max} ms (server down ${downMs} ms); ` +
        `${run.overloaded.server} upgrades answered 1013; D1 ${statements} statements = ` +
        `${run.d1.perSocketReconnect} per socket reconnect, at most ${run.d1.maxPerUpgrade.chat} per chat upgrade ` +
        `and ${run.d1.maxPerUpgrade.notifications} per notifications upgrade; ` +
        `${messages.delivered}/${messages.sent} messages after the storm`,
    )
    return run
  } finally {
    await session.close()
  }
}

function maxOfRoute(routes: [string, RouteStat][], pattern: RegExp): number {
  return Math.max(0, ...routes.filter(([k]) => pattern.test(k)).map(([, r]) => r.maxPerRequest))
}

/**
 * The web client's HTTP around a reconnect: right after a failed handshake, the chat socket
 * probes its history route and the notifications socket the notifications list; when a
 * notifications socket opens, the conversation list is loaded.
 */
function clientLike(session: Session, baseUrl: string, counters: NetCounters) {
  const counts = { probes: 0, conversationLists: 0, failed: 0 }
  const pending = new Set<Promise<unknown>>()
  const track = <T>(p: Promise<T>) => {
    pending.add(p)
    void p.finally(() => pending.delete(p)).catch(() => {})
    return p
  }
  const probe = async (url: string, cookie: string) => {
    counts.probes++
    const res = await requestJson(counters, url, { cookie })
    if (res.status !== 200) throw new Error(`probe ${url}: ${res.status}`)
  }
  for (const m of session.members) {
    const history = m.history
    if (history) m.chat.prepare = () => track(probe(history.url(null, 1), history.cookie))
    const notifications = m.notifications
    if (!notifications || !history) continue
    notifications.prepare = () => track(probe(`${baseUrl}/api/notifications?limit=1`, history.cookie))
    notifications.sink = {
      ready() {},
      message() {},
      frame: (f) => {
        if (f.type !== 'unread') return
        counts.conversationLists++
        track(
          requestJson(counters, `${baseUrl}/api/conversations`, { cookie: history.cookie }).then((r) => {
            if (r.status !== 200) counts.failed++
          }),
        ).catch(() => counts.failed++)
      },
    }
  }
  return {
    counts,
    async settled() {
      while (pending.size > 0) await Promise.allSettled([...pending])
    },
  }
}

async function d1Report(baseUrl: string, counters: NetCounters): Promise<D1Report> {
  const res = await requestJson<D1Report>(counters, `${baseUrl}/api/__bench/d1`)
  if (res.status !== 200 || !res.body) throw new Error(`GET /api/__bench/d1 answered ${res.status}`)
  return res.body
}

/** One message from member A to B of every pair at once; those B's chat socket has within the wait. */
async function onePerPair(session: Session): Promise<StormRun['messages']> {
  const pairs = session.members.length / 2
  let sent = 0
  let delivered = 0
  const tag = `storm-${Date.now().toString(36)}`
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, DELIVERY_WAIT_MS)
    const check = () => {
      if (delivered === sent) {
        clearTimeout(timer)
        resolve()
      }
    }
    for (let pair = 0; pair < pairs; pair++) {
      const a = session.members[2 * pair]!
      const b = session.members[2 * pair + 1]!
      const clientId = `${tag}-${pair}`
      let got = false
      b.chat.sink = {
        ready() {},
        message: (m: Message) => {
          if (m.clientId !== clientId || got) return
          got = true
          delivered++
          check()
        },
        frame() {},
      }
      if (a.chat.send(JSON.stringify({ type: 'send', clientId, body: `after the storm ${pair}` }))) sent++
    }
    check()
  })
  return { sent: pairs, delivered, lost: pairs - delivered }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
