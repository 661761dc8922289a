// /api/conversations: the signed-in user's conversation list (their UserInbox), a
// conversation's history and its chat socket (the pair's ChatRoom).
import { Hono } from 'hono'
import { attachmentLimitsOf } from '../attachments/attachment-limits.ts'
import { reserveUpload, storeUpload } from '../attachments/store-upload.ts'
import { parseUpload } from '../attachments/upload.ts'
import { keyringOf } from '../crypto/keys.ts'
import { findPeerWithBlockers } from '../db/peers.ts'
import type { UserRow } from '../db/users.ts'
import type { AppEnv } from '../env.ts'
import { parseCursor, parseLimit } from '../http/params.ts'
import { invalid, Problem } from '../http/problem.ts'
import { requireSession } from '../http/session.ts'
import { inboxOf } from '../inbox/inbox-key.ts'
import { ROOM_HEADERS } from '../rooms/chat-room.ts'
import { sealPeerRow } from '../rooms/peer-header.ts'
import { receiptsFlags, roomFor, sortedMembers } from '../rooms/room-key.ts'
import { endedSessionSocket } from '../sockets/admission.ts'
import { forwardUpgrade } from '../sockets/forward-upgrade.ts'

export const conversations = new Hono<AppEnv>()
  .use(requireSession)
  .get('/', async (c) => {
    return c.json({ conversations: await inboxOf(c.env, c.var.user.id).listConversations() })
  })

  .get('/:peerId/messages', async (c) => {
    const { peer, blockers } = await findPeerRow(c.var, c.req.param('peerId'))
    const before = parseCursor(c.req.query('before'), 'before')
    const limit = parseLimit(c.req.query('limit'))
    const me = c.var.user.id
    const { stub } = roomFor(c.env, me, peer.id)
    return c.json(
      await stub.history(me, sortedMembers(me, peer.id), before, limit, receiptsFlags(c.var.user, peer), blockers),
    )
  })

  .post('/:peerId/attachments', async (c) => {
    const { peer, blockers } = await findPeerRow(c.var, c.req.param('peerId'))
    // Nothing can be sent to a deleted account (CONTRACT.md: Deleting an account).
    if (peer.deletedAt) throw new Problem(403, 'not-allowed', 'This account was deleted.')
    await reserveUpload(c.env, c.var.user.id)
    const upload = await parseUpload(c.req.raw, attachmentLimitsOf(c.env).maxBytes)
    // A file could never be sent while either member blocks the other (CONTRACT.md: Blocking).
    if (blockers.length > 0) {
      throw new Problem(
        409,
        'blocked',
        "You can't send files in this conversation while one of you has blocked the other.",
      )
    }
    return c.json({ attachment: await storeUpload(c.env, c.var.user.id, peer.id, upload) }, 201)
  })

  .get('/:peerId/ws', async (c) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      throw new Problem(426, 'upgrade-required', 'This route takes a WebSocket upgrade.')
    }
    const { peer, blockers } = await findPeerRow(c.var, c.req.param('peerId'))
    parseCursor(c.req.query('after'), 'after')
    parseCursor(c.req.query('since'), 'since')
    const me = c.var.user.id
    const { sessionId } = c.var.session
    const { roomId, stub } = roomFor(c.env, me, peer.id)
    // Registered before the socket opens, so ending this session can always find it; a
    // session that ended since its check above is refused here (see EndedSessions).
    if (!(await inboxOf(c.env, me).admitSocket(roomId, sessionId))) return endedSessionSocket()
    // Ids only: the room reads the peer's name itself, so no person's data rides in a header.
    const headers = new Headers(c.req.raw.headers)
    headers.set(ROOM_HEADERS.user, me)
    headers.set(ROOM_HEADERS.session, sessionId)
    headers.set(ROOM_HEADERS.members, sortedMembers(me, peer.id).join(','))
    headers.set(ROOM_HEADERS.receipts, receiptsFlags(c.var.user, peer))
    headers.set(ROOM_HEADERS.blockers, blockers.join(','))
    headers.set(ROOM_HEADERS.peer, await sealPeerRow(await keyringOf(c.env), peer))
    return forwardUpgrade(stub, new Request(c.req.raw, { headers }))
  })

/** The peer's row and the pair's blockers, in one D1 query (ADR 012). */
async function findPeerRow(vars: AppEnv['Variables'], peerId: string): Promise<{ peer: UserRow; blockers: string[] }> {
  const found = await findPeerWithBlockers(vars.db, vars.user.id, peerId)
  if (!found) throw new Problem(404, 'user-not-found', 'There is no user with that id.')
  if (found.peer.id === vars.user.id)
    throw invalid({ peerId: 'A conversation needs another person; it cannot be with yourself.' })
  return found
}
