// Helpers for tests of conversations between two people: a pair with both chat sockets
// open, frame matchers, and what each of them reads over HTTP (history, list, notifications).
import { env, runInDurableObject } from 'cloudflare:test'
import { expect } from 'vitest'
import { inboxOf } from '../../../worker/inbox/inbox-key.ts'
import { roomFor } from '../../../worker/rooms/room-key.ts'
import { call, type SignedUp, signUp } from './http.ts'
import { type Frame, openChat, type TestSocket } from './socket.ts'

export const isMessage = (seq: number) => (f: Frame) => f.type === 'message' && f.message.seq === seq
export const isUpdate = (seq: number) => (f: Frame) => f.type === 'update' && f.message.seq === seq
export const isError = (seq: number) => (f: Frame) => f.type === 'error' && f.seq === seq
export const isErrorFor = (clientId: string) => (f: Frame) => f.type === 'error' && f.clientId === clientId
export const isAnyChange = (f: Frame) => f.type === 'update' || f.type === 'message'
export const isAnyError = (f: Frame) => f.type === 'error'

export interface Pair {
  /** Ann sends the first messages. */
  a: SignedUp
  b: SignedUp
  wa: TestSocket
  wb: TestSocket
}

/** Ann and Bob, both with the chat open; Ann has sent `count` messages "message 1" … that Bob has received. */
export async function pairWith(count: number): Promise<Pair> {
  const [a, b] = await Promise.all([signUp({ firstName: 'Ann' }), signUp({ firstName: 'Bob' })])
  const wa = await openChat(a.cookie, b.id)
  const wb = await openChat(b.cookie, a.id)
  for (let i = 1; i <= count; i++) {
    wa.send({ type: 'send', clientId: `m${i}`, body: `message ${i}` })
    await wb.next(isMessage(i))
  }
  if (count > 0) await wa.next(isMessage(count))
  return { a, b, wa, wb }
}

/** The same frame reaches both sockets. */
export async function both(wa: TestSocket, wb: TestSocket, match: (f: Frame) => boolean): Promise<Frame> {
  const [fa, fb] = await Promise.all([wa.next(match), wb.next(match)])
  expect(fa).toEqual(fb)
  return fa
}

/** Sends and waits for the sender's acknowledgement; returns the message. */
export async function say(ws: TestSocket, body: string, extra: Record<string, unknown> = {}): Promise<Frame> {
  const clientId = crypto.randomUUID()
  ws.send({ type: 'send', clientId, body, ...extra })
  const f = await ws.next(
    (x) => (x.type === 'message' && x.message.clientId === clientId) || (x.type === 'error' && x.clientId === clientId),
  )
  if (f.type === 'error') throw new Error(`send refused: ${JSON.stringify(f)}`)
  return f.message
}

export async function historyOf(cookie: string, peerId: string): Promise<Frame[]> {
  const res = await call(`/api/conversations/${peerId}/messages`, { cookie })
  expect(res.status).toBe(200)
  return ((await res.json()) as { messages: Frame[] }).messages
}

export async function messageIn(cookie: string, peerId: string, seq: number): Promise<Frame | undefined> {
  return (await historyOf(cookie, peerId)).find((m) => m.seq === seq)
}

export async function conversationsOf(cookie: string): Promise<Frame[]> {
  const res = await call('/api/conversations', { cookie })
  expect(res.status).toBe(200)
  return ((await res.json()) as { conversations: Frame[] }).conversations
}

export async function conversationWith(cookie: string, peerId: string): Promise<Frame | undefined> {
  return (await conversationsOf(cookie)).find((c) => c.peer.id === peerId)
}

export async function notificationsOf(cookie: string): Promise<{ notifications: Frame[]; unreadTotal: number }> {
  const res = await call('/api/notifications', { cookie })
  expect(res.status).toBe(200)
  return (await res.json()) as { notifications: Frame[]; unreadTotal: number }
}

/** The room's latest rev, read from its own storage. */
export async function roomLastRev(a: string, b: string): Promise<number> {
  return runInDurableObject(roomFor(env, a, b).stub, (_: unknown, state: DurableObjectState) => {
    return state.storage.sql.exec<{ r: number | null }>('select max(rev) as r from messages').one().r ?? 0
  })
}

/** The rev of the room's changes that the member's inbox has applied (0 before it heard of the room). */
export async function inboxRev(userId: string, roomId: string): Promise<number> {
  return runInDurableObject(inboxOf(env, userId), (_: unknown, state: DurableObjectState) => {
    const row = state.storage.sql
      .exec<{ rev: number }>('select rev from conversations where room_id = ?', roomId)
      .toArray()[0]
    return row?.rev ?? 0
  })
}

/** The last seq of the conversation as the member's inbox has it (0 before it heard of the room). */
export async function inboxLastSeq(userId: string, roomId: string): Promise<number> {
  return runInDurableObject(inboxOf(env, userId), (_: unknown, state: DurableObjectState) => {
    const row = state.storage.sql
      .exec<{ last_seq: number }>('select last_seq from conversations where room_id = ?', roomId)
      .toArray()[0]
    return row?.last_seq ?? 0
  })
}

/**
 * Every text cell of every table of a Durable Object's SQLite, as `{ table, column, value }`,
 * plus its key-value entries (table `kv`). The platform's own `_cf_` tables refuse SQL
 * reads; their user data is the key-value storage, read here through `list()`.
 */
export async function textCells(stub: DurableObjectStub): Promise<{ table: string; column: string; value: string }[]> {
  return runInDurableObject(stub, async (_: unknown, state: DurableObjectState) => {
    const sql = state.storage.sql
    const tables = sql
      .exec<{ name: string }>(
        "select name from sqlite_master where type = 'table' and name not like '\\_cf\\_%' escape '\\'",
      )
      .toArray()
      .map((t) => t.name)
    const cells: { table: string; column: string; value: string }[] = []
    for (const table of tables) {
      for (const row of sql.exec(`select * from "${table}"`)) {
        for (const [column, value] of Object.entries(row)) {
          if (typeof value === 'string') cells.push({ table, column, value })
          else if (value instanceof ArrayBuffer) cells.push({ table, column, value: new TextDecoder().decode(value) })
        }
      }
    }
    for (const [key, value] of await state.storage.list()) {
      cells.push({ table: 'kv', column: key, value: typeof value === 'string' ? value : JSON.stringify(value) })
    }
    return cells
  })
}

/**
 * Waits until the room has answered a ping on this socket: every frame it had sent to the
 * socket before (a replay, a commit's broadcast) has then arrived. Not the exact bytes of
 * PING_FRAME, which the runtime answers without the room.
 */
export async function roundTrip(ws: TestSocket): Promise<void> {
  const pongs = ws.frames.filter((f) => f.type === 'pong').length
  ws.send('{"type": "ping"}')
  const answered = () => ws.frames.filter((f) => f.type === 'pong').length > pongs
  if (!answered()) await ws.next(answered)
}

export function closeAll(...sockets: TestSocket[]): void {
  for (const s of sockets) s.close()
}
