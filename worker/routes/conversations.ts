// /api/conversations: the signed-in user's conversation list (their UserInbox), a
// conversation's history and its chat socket (the pair's ChatRoom).
import { Hono } from 'hono'
import type { Peer } from '../../protocol/api.ts'
import { keyringOf } from '../crypto/keys.ts'
import { findUser, toPeer } from '../db/users.ts'
import type { AppEnv } from '../env.ts'
import { parseCursor, parseLimit } from '../http/params.ts'
import { invalid, Problem } from '../http/problem.ts'
import { requireSession } from '../http/session.ts'
import { inboxOf } from '../inbox/inbox-key.ts'
import { ROOM_HEADERS } from '../rooms/chat-room.ts'
import { roomFor, sortedMembers } from '../rooms/room-key.ts'

export const conversations = new Hono<AppEnv>()
  .use(requireSession)
  .get('/', async (c) => {
    return c.json({ conversations: await inboxOf(c.env, c.var.user.id).listConversations() })
  })

  .get('/:peerId/messages', async (c) => {
    const peer = await findPeer(c.var, c.env, c.req.param('peerId'))
    const before = parseCursor(c.req.query('before'), 'before')
    const limit = parseLimit(c.req.query('limit'))
    const me = c.var.user.id
    const { stub } = roomFor(c.env, me, peer.id)
    return c.json(await stub.history(me, sortedMembers(me, peer.id), before, limit))
  })

  .get('/:peerId/ws', async (c) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      throw new Problem(426, 'upgrade-required', 'This route takes a WebSocket upgrade.')
    }
    const peer = await findPeer(c.var, c.env, c.req.param('peerId'))
    parseCursor(c.req.query('after'), 'after')
    const me = c.var.user.id
    const { roomId, stub } = roomFor(c.env, me, peer.id)
    // Registered before the socket opens, so ending this session can always find it.
    await inboxOf(c.env, me).noteRoom(roomId)
    const headers = new Headers(c.req.raw.headers)
    headers.set(ROOM_HEADERS.user, me)
    headers.set(ROOM_HEADERS.session, c.var.session.sessionId)
    headers.set(ROOM_HEADERS.members, sortedMembers(me, peer.id).join(','))
    headers.set(ROOM_HEADERS.peer, JSON.stringify(peer))
    return stub.fetch(new Request(c.req.raw, { headers }))
  })

async function findPeer(vars: AppEnv['Variables'], env: AppEnv['Bindings'], peerId: string): Promise<Peer> {
  const row = await findUser(vars.db, peerId)
  if (!row) throw new Problem(404, 'user-not-found', 'There is no user with that id.')
  if (row.id === vars.user.id)
    throw invalid({ peerId: 'A conversation needs another person; it cannot be with yourself.' })
  return toPeer(await keyringOf(env), row)
}
