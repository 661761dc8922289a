// What downloading one's data costs the server (issue 13): a `wrangler dev` of this tree on its
// own state, one conversation of MESSAGES messages (100,000 by default) seeded through the chat
// sockets with raised send limits, then GET /api/me/export read to the end, for each page size
// in PAGE_SIZES, on a freshly started server (a cold room) and again warm. For each export: wall
// time, the workerd process group's CPU time and its peak resident memory above the level it
// idled at (sampled every 10 ms from /proc), bytes, and a check that every message arrived once,
// in order. Run: `npm run bench:export` (MESSAGES=… PAGE_SIZES=100,500,1000 to vary).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { ROOT } from '../scripts/lib/dev-server.ts'
import { type Member, measureCost, register } from './request-cost.ts'
import { ParleyServer } from './servers/parley.ts'
import { startWrangler } from './servers/wrangler.ts'

const MESSAGES = Number(process.env.MESSAGES ?? 100_000)
const PAGE_SIZES = (process.env.PAGE_SIZES ?? '500').split(',').map(Number)
const RUNS = Number(process.env.RUNS ?? 2)
const PORT = Number(process.env.PORT ?? 8796)
/** Unacknowledged sends per member while seeding. */
const WINDOW = 200
const UNLIMITED = '1000000'
const VARS = {
  CHAT_SENDS_PER_SECOND: UNLIMITED,
  CHAT_SEND_BURST: UNLIMITED,
  CHAT_FRAMES_PER_SECOND: UNLIMITED,
  CHAT_FRAME_BURST: UNLIMITED,
  CHAT_FLOOD_STRIKES: UNLIMITED,
  EXPORTS_PER_HOUR: '1000',
}

/** LOG=1 shows wrangler's output. */
const serverLog = process.env.LOG ? (line: string) => console.error(`[wrangler] ${line}`) : () => {}

/** A body of 40–160 characters, different per message, as people write them. */
function bodyOf(n: number): string {
  const words = ['see you', 'at the station', 'tomorrow', 'thanks!', 'the report', 'is ready', 'lunch?', 'ok 👍']
  let text = `#${n}`
  for (let i = 0; text.length < 40 + (n % 121); i++) text += ` ${words[(n * 7 + i) % words.length]}`
  return text
}

/** `me` sends `count` messages to `peer`, WINDOW at a time; every 10th replies to the one before it. */
function seed(url: string, me: Member, peer: Member, count: number, first: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/api/conversations/${peer.id}/ws`, {
      headers: { cookie: me.cookie, origin: url },
      perMessageDeflate: false,
    })
    let sent = 0
    let acked = 0
    let lastSeq = 0
    const pump = () => {
      while (sent < count && sent - acked < WINDOW) {
        const n = first + sent
        const frame: Record<string, unknown> = { type: 'send', clientId: `b${n}`, body: bodyOf(n) }
        if (n % 10 === 0 && lastSeq > 0) frame.replyTo = lastSeq
        ws.send(JSON.stringify(frame))
        sent++
      }
    }
    ws.on('open', pump)
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as {
        type: string
        message?: { seq: number; clientId: string; senderId: string }
      }
      if (frame.type === 'error') return reject(new Error(`send refused: ${data.toString()}`))
      if (frame.type !== 'message' || frame.message?.senderId !== me.id) return
      acked++
      lastSeq = Math.max(lastSeq, frame.message.seq)
      if (acked === count) {
        ws.close()
        resolve()
      } else pump()
    })
    ws.on('error', reject)
    ws.on('close', (code) => {
      if (acked < count) reject(new Error(`socket closed (${code}) after ${acked} of ${count}`))
    })
  })
}

interface Run {
  pageSize: number
  run: number
  status: number
  wallMs: number
  firstByteMs: number
  cpuMs: number
  peakMiB: number
  /** workerd's resident memory before this export: a leak would raise it run after run. */
  idleMiB: number
  bytes: number
  chunks: number
  messages: number
  /** Estimate, see workerShare(). */
  workerShareMs: number
}

/**
 * What the Worker's one request spends of the export's CPU, estimated in Node's V8 (the
 * same engine): per page, the RPC result's structured clone, JSON.stringify of each message
 * and the UTF-8 encoding. /proc cannot tell the Worker's isolate from the room's; this is
 * the share that counts against the request's `cpu_ms`, the rest is spread over the room's
 * RPCs, each with its own limit.
 */
function workerShare(messages: readonly unknown[], pageSize: number): number {
  const encoder = new TextEncoder()
  const started = process.cpuUsage()
  for (let i = 0; i < messages.length; i += pageSize) {
    const page = structuredClone({ messages: messages.slice(i, i + pageSize), hasMore: true })
    let text = ''
    for (const m of page.messages) text += `,${JSON.stringify(m)}`
    encoder.encode(text)
  }
  const used = process.cpuUsage(started)
  return Math.round((used.user + used.system) / 1000)
}

async function measureExport(url: string, pgid: number, me: Member, pageSize: number, run: number): Promise<Run> {
  const cost = await measureCost(pgid, async (started) => {
    const res = await fetch(`${url}/api/me/export`, { headers: { cookie: me.cookie } })
    const reader = res.body!.getReader()
    const parts: Uint8Array[] = []
    let bytes = 0
    let firstByteMs = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (parts.length === 0) firstByteMs = Date.now() - started
      parts.push(value)
      bytes += value.byteLength
    }
    return { res, parts, bytes, firstByteMs }
  })
  const { res, parts, bytes, firstByteMs } = cost.result
  const doc = JSON.parse(Buffer.concat(parts).toString('utf8')) as {
    conversations: { messages: { seq: number; body: string }[] }[]
  }
  const messages = doc.conversations[0]?.messages ?? []
  messages.forEach((m, i) => {
    if (m.seq !== i + 1) throw new Error(`message ${i} has seq ${m.seq}`)
    if (m.body === '') throw new Error(`message ${m.seq} has no body`)
  })
  return {
    pageSize,
    run,
    workerShareMs: workerShare(messages, pageSize),
    status: res.status,
    wallMs: cost.wallMs,
    firstByteMs,
    cpuMs: cost.cpuMs,
    peakMiB: cost.peakMiB,
    idleMiB: Math.round(cost.idleMiB),
    bytes,
    chunks: parts.length,
    messages: messages.length,
  }
}

async function listed(url: string, me: Member): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    const res = await fetch(`${url}/api/conversations`, { headers: { cookie: me.cookie } })
    const { conversations } = (await res.json()) as { conversations: { lastMessage: { seq: number } | null }[] }
    if (conversations[0]?.lastMessage?.seq === MESSAGES) return
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error('the inbox never listed the whole conversation')
}

const stateDir = mkdtempSync(join(tmpdir(), 'parley-export-'))
const persistTo = join(stateDir, 'state')
// A frozen copy of the tree: `wrangler dev` reloads on every edit, which would cut the seeding sockets.
const snapshot = ParleyServer.prepare(persistTo, stateDir)
const startServer = (vars: Record<string, string>) =>
  startWrangler({ cwd: snapshot.dir, port: PORT, persistTo, vars, log: serverLog })
try {
  const stamp = Date.now()
  let ann: Member
  let seedMs: number
  {
    const server = await startServer(VARS)
    try {
      ann = await register(server.url, `export-a-${stamp}@example.com`, 'Ann')
      const bob = await register(server.url, `export-b-${stamp}@example.com`, 'Bob')
      const started = Date.now()
      const half = Math.floor(MESSAGES / 2)
      await Promise.all([seed(server.url, ann, bob, half, 0), seed(server.url, bob, ann, MESSAGES - half, half)])
      seedMs = Date.now() - started
      await listed(server.url, ann)
      console.log(`seeded ${MESSAGES} messages in ${seedMs} ms`)
    } finally {
      await server.stop()
    }
  }
  const runs: Run[] = []
  for (const pageSize of PAGE_SIZES) {
    // A fresh server per page size: the first export reads a cold room, the next a warm one.
    const server = await startServer({ ...VARS, EXPORT_PAGE_MESSAGES: String(pageSize) })
    try {
      for (let run = 1; run <= RUNS; run++) {
        const r = await measureExport(server.url, server.process.pid!, ann, pageSize, run)
        console.log(JSON.stringify(r))
        if (r.messages !== MESSAGES) throw new Error(`exported ${r.messages} of ${MESSAGES} messages`)
        runs.push(r)
      }
    } finally {
      await server.stop()
    }
  }
  const summary = {
    commit: snapshot.commit,
    uncommitted: snapshot.uncommitted.length,
    messages: MESSAGES,
    seedMs,
    runs,
  }
  writeFileSync(join(ROOT, 'bench/results/export.json'), `${JSON.stringify(summary, null, 2)}\n`)
  console.log(JSON.stringify(summary, null, 2))
} finally {
  rmSync(stateDir, { recursive: true, force: true })
}
