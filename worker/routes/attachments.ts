// /api/attachments/:id: a file (or its thumbnail) to the members of its conversation only;
// anyone else gets the same 404 as for an id that does not exist.
import { Hono } from 'hono'
import { INLINE_IMAGE_TYPES } from '../../protocol/api.ts'
import { blobKey, roomOfAttachment } from '../attachments/attachment-id.ts'
import { getBlob } from '../attachments/blob-store.ts'
import { decryptText } from '../crypto/fernet.ts'
import { keyringOf } from '../crypto/keys.ts'
import type { AppEnv, Env } from '../env.ts'
import { Problem } from '../http/problem.ts'
import { requireSession } from '../http/session.ts'
import { roomByForeignId } from '../rooms/room-key.ts'

const gone = () => new Problem(404, 'attachment-not-found', 'There is no such file, or it was deleted.')
const isInline = (type: string) => (INLINE_IMAGE_TYPES as readonly string[]).includes(type)

/** The room an attachment id names; anything else is the same 404 as a missing file. */
function roomOf(env: Env, id: string) {
  const roomId = roomOfAttachment(id)
  const room = roomId ? roomByForeignId(env, roomId) : null
  if (!room) throw gone()
  return room
}

async function serve(env: Env, userId: string, id: string, part: 'file' | 'thumbnail'): Promise<Response> {
  const meta = await roomOf(env, id).attachmentFor(userId, id)
  if (!meta || (part === 'thumbnail' && !meta.thumbnail)) throw gone()
  const keys = await keyringOf(env)
  const blob = await getBlob(env, keys, blobKey(id, part))
  if (!blob) throw gone()
  const type = part === 'thumbnail' ? (blob.type ?? 'application/octet-stream') : meta.type
  const headers = new Headers({
    'content-type': isInline(type) ? type : 'application/octet-stream',
    'content-length': String(blob.bytes.length),
    'cache-control': 'private, max-age=3600',
    'content-security-policy': 'sandbox',
    'x-content-type-options': 'nosniff',
  })
  if (!isInline(type)) {
    const name = (await decryptText(keys, meta.name)) ?? 'file'
    headers.set('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(name)}`)
  }
  return new Response(blob.bytes, { headers })
}

export const attachments = new Hono<AppEnv>()
  .use(requireSession)
  .get('/:id', (c) => serve(c.env, c.var.user.id, c.req.param('id'), 'file'))
  .get('/:id/thumbnail', (c) => serve(c.env, c.var.user.id, c.req.param('id'), 'thumbnail'))
  // The uploader takes back a file they have not sent (a draft removed from the composer).
  .delete('/:id', async (c) => {
    const id = c.req.param('id')
    if (!(await roomOf(c.env, id).removeUpload(c.var.user.id, id))) throw gone()
    return c.body(null, 204)
  })
