// An upload as the Worker takes it (CONTRACT.md: POST /api/conversations/:peerId/attachments):
// multipart/form-data with one part `file`, whose filename and type become the attachment's;
// Parley also takes a `thumbnail` part and `width`/`height` fields for images.
import { INLINE_IMAGE_TYPES, MAX_THUMBNAIL_BYTES } from '../../protocol/api.ts'
import { codePointLength, isWellFormedText } from '../../protocol/text.ts'
import { invalid, Problem } from '../http/problem.ts'

export const MAX_FILE_NAME_CHARS = 255
const MAX_TYPE_CHARS = 100
const MAX_DIMENSION = 100_000
/** What a multipart body adds around the parts: boundaries, part headers, the small fields. */
const MULTIPART_SLACK = 16 * 1024

export interface ParsedUpload {
  name: string
  type: string
  bytes: Uint8Array
  thumbnail: { type: string; bytes: Uint8Array } | null
  width?: number
  height?: number
}

export function tooLarge(maxBytes: number): Problem {
  return new Problem(
    413,
    'file-too-large',
    `Files are limited to ${describeBytes(maxBytes)}; this one is larger. Share a smaller file or a link to it.`,
  )
}

export function describeBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / (1024 * 1024)) * 10) / 10} MiB`
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`
  return `${n} bytes`
}

/**
 * Refuses an oversized body from its Content-Length before reading a byte of it, then
 * reads the form once (the file is held once, as the platform's File).
 */
export async function parseUpload(req: Request, maxBytes: number): Promise<ParsedUpload> {
  const length = Number(req.headers.get('content-length') ?? Number.NaN)
  if (!Number.isFinite(length)) throw new Problem(411, 'length-required', 'An upload needs a Content-Length header.')
  if (length > maxBytes + MAX_THUMBNAIL_BYTES + MULTIPART_SLACK) throw tooLarge(maxBytes)
  if (!(req.headers.get('content-type') ?? '').toLowerCase().startsWith('multipart/form-data')) {
    throw invalid({ file: 'Send the file as multipart/form-data, in a part named "file".' })
  }
  let form: FormData
  try {
    form = await req.formData()
  } catch {
    throw invalid({ file: 'The upload is not valid multipart/form-data.' })
  }
  const file = form.get('file')
  if (!(file instanceof File)) throw invalid({ file: 'Add the file as a part named "file".' })
  const name = file.name.trim()
  if (name === '') throw invalid({ file: 'The file needs a name.' })
  if (codePointLength(name) > MAX_FILE_NAME_CHARS || !isWellFormedText(name) || /[\p{Cc}]/u.test(name)) {
    throw invalid({ file: `A file name has at most ${MAX_FILE_NAME_CHARS} characters and no control characters.` })
  }
  if (file.size === 0) throw invalid({ file: 'The file is empty.' })
  if (file.size > maxBytes) throw tooLarge(maxBytes)
  const upload: ParsedUpload = {
    name,
    type: mediaType(file.type),
    bytes: new Uint8Array(await file.arrayBuffer()),
    thumbnail: await parseThumbnail(form.get('thumbnail')),
  }
  const width = dimension(form.get('width'), 'width')
  const height = dimension(form.get('height'), 'height')
  if (width !== undefined && height !== undefined) {
    upload.width = width
    upload.height = height
  }
  return upload
}

/** A lower-cased `type/subtype`, or application/octet-stream for anything else. */
function mediaType(raw: string): string {
  const type = raw.split(';')[0]!.trim().toLowerCase()
  return type.length <= MAX_TYPE_CHARS && /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(type)
    ? type
    : 'application/octet-stream'
}

async function parseThumbnail(part: File | string | null): Promise<ParsedUpload['thumbnail']> {
  if (part === null) return null
  const type = part instanceof File ? mediaType(part.type) : ''
  if (!(part instanceof File) || !(INLINE_IMAGE_TYPES as readonly string[]).includes(type)) {
    throw invalid({ thumbnail: 'A thumbnail is a PNG, JPEG, GIF or WebP image.' })
  }
  if (part.size === 0 || part.size > MAX_THUMBNAIL_BYTES) {
    throw invalid({ thumbnail: `A thumbnail has at most ${MAX_THUMBNAIL_BYTES / 1024} KiB.` })
  }
  return { type, bytes: new Uint8Array(await part.arrayBuffer()) }
}

function dimension(raw: File | string | null, field: 'width' | 'height'): number | undefined {
  if (raw === null) return undefined
  const n = typeof raw === 'string' && /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN
  if (!(n >= 1 && n <= MAX_DIMENSION))
    throw invalid({ [field]: `"${field}" is a whole number of pixels, 1 to 100000.` })
  return n
}
