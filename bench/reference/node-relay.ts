// Reference 1: the least a relay can do on Node. Rooms live in memory, one seq counter
// per pair, no auth, no storage, no crypto: a `send` frame comes back to both members as
// a `message` frame. Run as its own process: `node bench/reference/node-relay.ts --port N`.
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'
import { type WebSocket, WebSocketServer } from 'ws'

interface Room {
  seq: number
  sockets: Set<WebSocket>
}

const { values } = parseArgs({ options: { port: { type: 'string', default: '8792' } } })
const port = Number(values.port)
const rooms = new Map<string, Room>()
const ROOM_PATH = /^\/rooms\/([^/]+)\/ws$/

const http = createServer((req, res) => {
  if (req.url === '/api/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
  } else res.writeHead(404).end()
})
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false })

http.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url ?? '/', 'http://relay')
  const key = ROOM_PATH.exec(url.pathname)?.[1]
  const user = url.searchParams.get('user')
  if (!key || !user) {
    socket.destroy()
    return
  }
  wss.handleUpgrade(req, socket, head, (ws) => join(ws, key, user))
})

function join(ws: WebSocket, key: string, user: string): void {
  let room = rooms.get(key)
  if (!room) {
    room = { seq: 0, sockets: new Set() }
    rooms.set(key, room)
  }
  const current = room
  current.sockets.add(ws)
  ws.on('close', () => current.sockets.delete(ws))
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) relay(ws, current, user, data.toString())
  })
  const peer = { id: '', email: '', firstName: '', lastName: '' }
  ws.send(JSON.stringify({ type: 'ready', peer, lastSeq: current.seq, readUpTo: {} }))
}

function relay(ws: WebSocket, room: Room, user: string, text: string): void {
  let frame: { type?: unknown; clientId?: unknown; body?: unknown }
  try {
    frame = JSON.parse(text)
  } catch {
    ws.send('{"type":"error","code":"bad-json","message":"The frame is not valid JSON."}')
    return
  }
  if (frame.type === 'ping') {
    ws.send('{"type":"pong"}')
    return
  }
  if (frame.type !== 'send' || typeof frame.clientId !== 'string' || typeof frame.body !== 'string') return
  const body = frame.body.trim()
  if (!body) return
  room.seq++
  const message = { seq: room.seq, clientId: frame.clientId, senderId: user, body, sentAt: new Date().toISOString() }
  const out = JSON.stringify({ type: 'message', message })
  for (const member of room.sockets) member.send(out)
}

http.listen(port, '127.0.0.1', () => console.log(`node relay on http://127.0.0.1:${port}`))
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    for (const client of wss.clients) client.terminate()
    http.close(() => process.exit(0))
  })
}
