// Reference 2: the least a relay Durable Object can do. One object per pair, sockets
// accepted for hibernation, one in-memory seq counter, no auth, no storage, no crypto.
// Under /sql-rooms/ the same object also inserts each message into its SQLite (no crypto):
// a diagnostic target that separates the platform's cost of a durable write per message
// (the output gate holds frames until it commits) from the rest of Parley's work.
// Types are declared here, not taken from @cloudflare/workers-types, because the bench
// is type-checked as Node code (tsconfig.node.json).

interface HibernatableSocket {
  send(text: string): void
  close(code?: number, reason?: string): void
  serializeAttachment(value: unknown): void
  deserializeAttachment(): unknown
}

interface RoomState {
  storage: { sql: { exec(query: string, ...bindings: unknown[]): { one(): unknown } } }
  acceptWebSocket(ws: HibernatableSocket, tags?: string[]): void
  getWebSockets(tag?: string): HibernatableSocket[]
  setWebSocketAutoResponse(pair: unknown): void
}

interface RoomNamespace {
  idFromName(name: string): unknown
  get(id: unknown): { fetch(request: Request): Promise<Response> }
}

interface RelayEnv {
  RELAY_ROOM: RoomNamespace
}

declare const WebSocketPair: new () => { 0: HibernatableSocket; 1: HibernatableSocket }
declare const WebSocketRequestResponsePair: new (request: string, response: string) => unknown

const ROOM_PATH = /^\/(rooms|sql-rooms)\/([^/]+)\/ws$/
const NO_PEER = { id: '', email: '', firstName: '', lastName: '' }

export class RelayRoom {
  private readonly ctx: RoomState
  private seq: number

  constructor(ctx: RoomState) {
    this.ctx = ctx
    ctx.storage.sql.exec(
      'create table if not exists messages (seq integer primary key, client_id text, sender_id text, body text, sent_at text)',
    )
    // Storing rooms continue their seq after a restart or eviction, as Parley does; the
    // bare relay's table stays empty, so it starts again at 1.
    const row = ctx.storage.sql.exec('select max(seq) as s from messages').one() as { s: number | null }
    this.seq = row.s ?? 0
    // Same as Parley: pings are answered without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'))
  }

  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    const user = url.searchParams.get('user') ?? ''
    const store = url.pathname.startsWith('/sql-rooms/')
    const pair = new WebSocketPair()
    const server = pair[1]
    this.ctx.acceptWebSocket(server, [user])
    // Kept with the socket, so a room woken from hibernation still knows to store.
    server.serializeAttachment({ user, store })
    server.send(JSON.stringify({ type: 'ready', peer: NO_PEER, lastSeq: this.seq, readUpTo: {} }))
    return new Response(null, { status: 101, webSocket: pair[0] } as ResponseInit)
  }

  async webSocketMessage(ws: HibernatableSocket, raw: string | ArrayBuffer): Promise<void> {
    if (typeof raw !== 'string') return
    let frame: { type?: unknown; clientId?: unknown; body?: unknown }
    try {
      frame = JSON.parse(raw)
    } catch {
      ws.send('{"type":"error","code":"bad-json","message":"The frame is not valid JSON."}')
      return
    }
    if (frame.type !== 'send' || typeof frame.clientId !== 'string' || typeof frame.body !== 'string') return
    const body = frame.body.trim()
    if (!body) return
    const { user, store } = ws.deserializeAttachment() as { user: string; store: boolean }
    this.seq++
    const message = { seq: this.seq, clientId: frame.clientId, senderId: user, body, sentAt: new Date().toISOString() }
    if (store) {
      this.ctx.storage.sql.exec(
        'insert into messages (seq, client_id, sender_id, body, sent_at) values (?, ?, ?, ?, ?)',
        message.seq,
        message.clientId,
        user,
        body,
        message.sentAt,
      )
    }
    const out = JSON.stringify({ type: 'message', message })
    for (const member of this.ctx.getWebSockets()) {
      try {
        member.send(out)
      } catch {
        // closing
      }
    }
  }

  async webSocketClose(ws: HibernatableSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, 'closed')
    } catch {
      // already closed
    }
  }
}

export default {
  async fetch(request: Request, env: RelayEnv): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname === '/api/health') return Response.json({ ok: true })
    const match = ROOM_PATH.exec(url.pathname)
    if (!match || request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
      return new Response('not found', { status: 404 })
    }
    return env.RELAY_ROOM.get(env.RELAY_ROOM.idFromName(`${match[1]}/${match[2]}`)).fetch(request)
  },
}
