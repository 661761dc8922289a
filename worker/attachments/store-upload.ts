// Storing an upload: the user's rate and quota are taken first, then the bytes (and
// thumbnail) go to R2 as Fernet tokens, then the room records it. A failure on the way
// hands the quota back and removes what reached R2.
import type { Attachment } from '../../protocol/api.ts'
import { encryptText } from '../crypto/fernet.ts'
import { keyringOf } from '../crypto/keys.ts'
import type { Env } from '../env.ts'
import { notSignedIn, Problem } from '../http/problem.ts'
import { limiter, tooMany } from '../http/rate-limit.ts'
import { inboxOf } from '../inbox/inbox-key.ts'
import { roomFor, sortedMembers } from '../rooms/room-key.ts'
import { blobKey, newAttachmentId } from './attachment-id.ts'
import { attachmentLimitsOf, UNSENT_UPLOAD_TTL_MS } from './attachment-limits.ts'
import { deleteBlobs, putBlob } from './blob-store.ts'
import { describeBytes, type ParsedUpload } from './upload.ts'

/** Taken before the body is read: a refused upload costs nothing. */
export async function reserveUpload(env: Env, userId: string): Promise<void> {
  const { uploadsPerMinute } = attachmentLimitsOf(env)
  const verdict = await limiter(env, `uploads:${userId}`).reserve(uploadsPerMinute, 60)
  if (!verdict.allowed)
    throw tooMany(verdict.retryAfter, `You can upload ${uploadsPerMinute} files a minute. Try again shortly.`)
}

export async function storeUpload(env: Env, userId: string, peerId: string, upload: ParsedUpload): Promise<Attachment> {
  const { quotaBytes } = attachmentLimitsOf(env)
  const inbox = inboxOf(env, userId)
  const reserved = await inbox.reserveStorage(upload.bytes.length, quotaBytes)
  // The account was deleted after this request's session check: as for an ended session.
  if (reserved === 'deleted') throw notSignedIn()
  if (reserved === 'full') {
    throw new Problem(
      409,
      'storage-full',
      `Your files take up your whole ${describeBytes(quotaBytes)}. Delete messages with files you no longer need, or wait: files never sent go after ${UNSENT_UPLOAD_TTL_MS / 3600_000} hours.`,
    )
  }
  const { roomId, stub } = roomFor(env, userId, peerId)
  const id = newAttachmentId(roomId)
  const stored: string[] = []
  try {
    const keys = await keyringOf(env)
    await putBlob(env, keys, blobKey(id), upload.bytes)
    stored.push(blobKey(id))
    if (upload.thumbnail) {
      await putBlob(env, keys, blobKey(id, 'thumbnail'), upload.thumbnail.bytes, upload.thumbnail.type)
      stored.push(blobKey(id, 'thumbnail'))
    }
    const attachment: Attachment = {
      id,
      name: upload.name,
      type: upload.type,
      size: upload.bytes.length,
      ...(upload.width && upload.height ? { width: upload.width, height: upload.height } : {}),
      ...(upload.thumbnail ? { thumbnail: true as const } : {}),
    }
    await stub.addUpload(sortedMembers(userId, peerId), {
      id,
      uploaderId: userId,
      name: upload.name,
      nameToken: await encryptText(keys, upload.name),
      type: upload.type,
      size: attachment.size,
      ...(attachment.width ? { width: attachment.width, height: attachment.height } : {}),
      thumbnail: !!upload.thumbnail,
    })
    return attachment
  } catch (err) {
    await Promise.allSettled([inbox.releaseStorage(upload.bytes.length), deleteBlobs(env, stored)])
    throw err
  }
}
