// Attachments as people read them (issue 12): which files a message takes, how big they are,
// how a message without text is named in the chat list, a quote or a notification, and how
// large a photo's box is in the log. Pure (no DOM), and imports only protocol/, so the
// Worker's notification preview can use the same words.
import { type Attachment, MAX_ATTACHMENTS_PER_MESSAGE, MAX_PREVIEW_CHARS } from '../../../protocol/api.ts'
import { attachmentLabel, FILE_ICON, isInlineImage, PHOTO_ICON } from '../../../protocol/attachment-labels.ts'
import { cutCodePoints } from '../../../protocol/text.ts'

export { attachmentLabel, FILE_ICON, isInlineImage, PHOTO_ICON }

/** The contract's default size limit, until `ready` says what the server's is (maxAttachmentBytes). */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

/** "0 B", "512 B", "1.5 KB", "340 KB", "10 MB": binary units, as the limits are (10 MiB). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  // One decimal below 10 ("1.5 MB"), none above ("12 MB"); never "10.0".
  const rounded = value < 10 ? Math.round(value * 10) / 10 : Math.round(value)
  if (rounded >= 1024 && unit < units.length - 1) return `1 ${units[unit + 1]}`
  return `${rounded} ${units[unit]}`
}

type Named = Pick<Attachment, 'name' | 'type'>

const allImages = (attachments: readonly Named[]) => attachments.every((a) => isInlineImage(a.type))

/**
 * One line for the chat list: the text, after the attachments' icon when there are some
 * ("📷 Look at this"), or only the label when there is no text ("📷 Photo").
 */
export function messagePreview(m: { body: string; attachments?: readonly Named[] | undefined }): string {
  const text = m.body.replace(/\s+/g, ' ').trim()
  const attachments = m.attachments ?? []
  if (attachments.length === 0) return text
  if (text === '') return attachmentLabel(attachments)
  return `${allImages(attachments) ? PHOTO_ICON : FILE_ICON} ${text}`
}

/** The start of a message as a reply quotes it: its text, or what its attachments are when it has none. */
export function quotePreview(m: { body: string; attachments?: readonly Named[] | undefined }): string {
  const text = m.body === '' ? attachmentLabel(m.attachments ?? []) : m.body
  return cutCodePoints(text, MAX_PREVIEW_CHARS)
}

/** What a toast or system notification says when the server's preview is empty (a message without text). */
export const NO_TEXT_PREVIEW = `${FILE_ICON} Attachment`

export interface FileFacts {
  name: string
  size: number
}

export interface Admission<F> {
  accepted: F[]
  /** What to tell the person about the files left out, or null when every one was taken. */
  problem: string | null
}

const quoted = (name: string) => `“${name || 'Unnamed file'}”`

function listNames(files: readonly FileFacts[]): string {
  const names = files.slice(0, 3).map((f) => quoted(f.name))
  const rest = files.length - names.length
  if (rest > 0) names.push(`${rest} more`)
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
}

/**
 * Which of `files` may join a message that already has `already` attachments: none empty, none
 * over `maxBytes`, at most MAX_ATTACHMENTS_PER_MESSAGE in all. Refused before any byte is sent.
 */
export function admitFiles<F extends FileFacts>(files: readonly F[], already: number, maxBytes: number): Admission<F> {
  const tooLarge = files.filter((f) => f.size > maxBytes)
  const empty = files.filter((f) => f.size === 0)
  const fit = files.filter((f) => f.size > 0 && f.size <= maxBytes)
  const room = Math.max(0, MAX_ATTACHMENTS_PER_MESSAGE - already)
  const accepted = fit.slice(0, room)
  const left = fit.length - accepted.length
  const problems: string[] = []
  if (tooLarge.length === 1) {
    const f = tooLarge[0]!
    problems.push(`${quoted(f.name)} is ${formatBytes(f.size)}: a file can be at most ${formatBytes(maxBytes)}.`)
  } else if (tooLarge.length > 1) {
    problems.push(`${listNames(tooLarge)} are larger than ${formatBytes(maxBytes)}, the most a file can be.`)
  }
  if (empty.length > 0) {
    problems.push(`${listNames(empty)} ${empty.length === 1 ? 'is' : 'are'} empty (or a folder), so not added.`)
  }
  if (left > 0) {
    problems.push(
      `A message can carry at most ${MAX_ATTACHMENTS_PER_MESSAGE} files: ${left} ${left === 1 ? 'was' : 'were'} not added.`,
    )
  }
  return { accepted, problem: problems.length > 0 ? problems.join(' ') : null }
}

export interface Box {
  width: number
  height: number
}

/** The longest side of a photo's box in the log, in CSS pixels. */
export const PHOTO_BOX_MAX_WIDTH = 280
export const PHOTO_BOX_MAX_HEIGHT = 320
/** A very long and thin photo is cropped to at least this on its short side, so it can be seen and clicked. */
export const PHOTO_BOX_MIN_SIDE = 96

/**
 * The box a photo takes in the log before it has loaded, from the size measured before upload,
 * so the log does not jump: as large as fits `maxWidth` × `maxHeight`, never larger than the
 * photo itself, no side under `minSide`. Without a size, a 4:3 box.
 */
export function photoBox(
  width: number | undefined,
  height: number | undefined,
  maxWidth = PHOTO_BOX_MAX_WIDTH,
  maxHeight = PHOTO_BOX_MAX_HEIGHT,
  minSide = PHOTO_BOX_MIN_SIDE,
): Box {
  if (!width || !height || width <= 0 || height <= 0) return { width: maxWidth, height: Math.round((maxWidth * 3) / 4) }
  const scale = Math.min(1, maxWidth / width, maxHeight / height)
  const w = Math.min(maxWidth, Math.max(minSide, Math.round(width * scale)))
  const h = Math.min(maxHeight, Math.max(minSide, Math.round(height * scale)))
  return { width: w, height: h }
}

/** "PDF" of "report.pdf": up to 4 letters for a file's icon; "" when the name has none. */
export function fileExtension(name: string): string {
  const dot = name.lastIndexOf('.')
  if (dot <= 0 || dot === name.length - 1) return ''
  const ext = name.slice(dot + 1)
  return /^[\p{L}\p{N}]{1,4}$/u.test(ext) ? ext.toUpperCase() : ''
}
