// An attachment's id names its conversation: the download route finds the room from the id
// alone, with no global index. 64 hex characters of room id, then 32 random ones.

const ROOM_HEX = 64
const RANDOM_BYTES = 16
const ID = /^[0-9a-f]{96}$/

export function newAttachmentId(roomId: string): string {
  const random = crypto.getRandomValues(new Uint8Array(RANDOM_BYTES))
  return roomId + [...random].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** The room an id belongs to, or null for anything that is not an attachment id. */
export function roomOfAttachment(id: string): string | null {
  return ID.test(id) ? id.slice(0, ROOM_HEX) : null
}

/** Where R2 keeps the bytes (and the thumbnail) of an attachment. */
export function blobKey(id: string, part: 'file' | 'thumbnail' = 'file'): string {
  return `attachments/${id.slice(0, ROOM_HEX)}/${id}${part === 'thumbnail' ? '.thumbnail' : ''}`
}
