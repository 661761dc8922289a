// How a message without text is named where only a line fits (the chat list, a notification,
// a push, a reply's quote): "📷 Photo", "📷 3 photos", "📎 report.pdf", "📎 3 files". One rule
// for the Worker and the client.
import { type Attachment, INLINE_IMAGE_TYPES } from './api.ts'

export const PHOTO_ICON = '📷'
export const FILE_ICON = '📎'

/** Shown as a photo (the server serves these inline); anything else is a file to download. */
export function isInlineImage(type: string): boolean {
  return (INLINE_IMAGE_TYPES as readonly string[]).includes(type.toLowerCase())
}

export function attachmentLabel(attachments: readonly Pick<Attachment, 'name' | 'type'>[]): string {
  const n = attachments.length
  if (n === 0) return ''
  if (attachments.every((a) => isInlineImage(a.type)))
    return n === 1 ? `${PHOTO_ICON} Photo` : `${PHOTO_ICON} ${n} photos`
  return n === 1 ? `${FILE_ICON} ${attachments[0]!.name}` : `${FILE_ICON} ${n} files`
}
