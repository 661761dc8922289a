// One attachment upload (CONTRACT.md: POST /api/conversations/:peerId/attachments): multipart,
// through XMLHttpRequest because fetch reports no upload progress. Same origin, so the session
// cookie goes along. What can come back is sorted into what the caller does next: use the
// attachment, wait for the network, wait as Retry-After says, give up with the server's words.
import type { Attachment, ProblemBody } from '../../../protocol/api.ts'

export interface UploadParts {
  file: Blob
  /** The attachment's name: the file part's filename (never in a URL). */
  name: string
  thumbnail?: Blob | null
  width?: number | undefined
  height?: number | undefined
}

export type UploadOutcome =
  | { kind: 'done'; attachment: Attachment }
  /** No answer (offline, connection dropped): try again when the network is back. */
  | { kind: 'network' }
  | { kind: 'rate-limited'; retryAfterMs: number; detail: string }
  | { kind: 'session-ended'; detail: string }
  /** Refused for good (too large, empty, storage full, not allowed): `detail` says why. */
  | { kind: 'refused'; status: number; code: string; detail: string }
  /** A server error that may pass. */
  | { kind: 'server-error'; status: number; detail: string }
  | { kind: 'aborted' }

/** The default wait after a 429 whose Retry-After is missing or unreadable. */
export const DEFAULT_RETRY_AFTER_MS = 10_000

/** Retry-After as seconds or an HTTP date, in ms from `now`; never under a second. */
export function parseRetryAfter(value: string | null, now = Date.now()): number {
  if (!value) return DEFAULT_RETRY_AFTER_MS
  const seconds = Number(value.trim())
  if (Number.isFinite(seconds) && value.trim() !== '') return Math.max(1000, Math.round(seconds * 1000))
  const at = Date.parse(value)
  return Number.isFinite(at) ? Math.max(1000, at - now) : DEFAULT_RETRY_AFTER_MS
}

function readProblem(body: unknown): Partial<ProblemBody> {
  return typeof body === 'object' && body !== null ? (body as Partial<ProblemBody>) : {}
}

const FALLBACK_DETAIL: Record<number, string> = {
  400: 'The file could not be read. Please choose it again.',
  403: 'You cannot send files in this conversation.',
  404: 'This conversation is no longer there.',
  409: 'Your storage for files is full. Delete some messages with files, then try again.',
  413: 'The file is too large to send.',
  429: 'Too many files at once. They will go in a moment.',
}

/** The problem type's last segment: "storage-full" of "/problems/storage-full". */
function codeOf(type: unknown): string {
  if (typeof type !== 'string') return ''
  const parts = type.split('/')
  return parts[parts.length - 1] ?? ''
}

function isAttachment(v: unknown): v is Attachment {
  if (typeof v !== 'object' || v === null) return false
  const a = v as Record<string, unknown>
  return (
    typeof a.id === 'string' && typeof a.name === 'string' && typeof a.type === 'string' && typeof a.size === 'number'
  )
}

/** What an upload's response means. `status` 0 is no response at all. */
export function uploadOutcome(
  status: number,
  body: unknown,
  retryAfter: string | null,
  now = Date.now(),
): UploadOutcome {
  if (status === 0) return { kind: 'network' }
  if (status >= 200 && status < 300) {
    const attachment = readProblem(body) as { attachment?: unknown }
    if (isAttachment(attachment.attachment)) return { kind: 'done', attachment: attachment.attachment }
    return { kind: 'server-error', status, detail: 'The server gave an answer Parley does not understand.' }
  }
  const problem = readProblem(body)
  const detail =
    typeof problem.detail === 'string' && problem.detail
      ? problem.detail
      : (FALLBACK_DETAIL[status] ?? 'Something went wrong on our side.')
  if (status === 401) return { kind: 'session-ended', detail }
  if (status === 429) return { kind: 'rate-limited', retryAfterMs: parseRetryAfter(retryAfter, now), detail }
  // 408: the request took too long on the way; it may go through next time.
  if (status >= 500 || status === 408) return { kind: 'server-error', status, detail }
  return { kind: 'refused', status, code: codeOf(problem.type), detail }
}

export interface RunningUpload {
  done: Promise<UploadOutcome>
  abort(): void
}

/** Starts the upload; `onProgress` gets the fraction of the request body sent (0..1). */
export function uploadAttachment(
  peerId: string,
  parts: UploadParts,
  onProgress: (fraction: number) => void,
): RunningUpload {
  const form = new FormData()
  // Small fields first: a server reading the stream meets them before the file.
  if (parts.width && parts.height) {
    form.append('width', String(parts.width))
    form.append('height', String(parts.height))
  }
  if (parts.thumbnail) {
    const ext = parts.thumbnail.type === 'image/webp' ? 'webp' : 'jpg'
    form.append('thumbnail', parts.thumbnail, `thumbnail.${ext}`)
  }
  form.append('file', parts.file, parts.name)

  const xhr = new XMLHttpRequest()
  let settle: (outcome: UploadOutcome) => void = () => {}
  const done = new Promise<UploadOutcome>((resolve) => {
    settle = resolve
  })
  xhr.open('POST', `/api/conversations/${encodeURIComponent(peerId)}/attachments`)
  xhr.setRequestHeader('accept', 'application/json')
  xhr.responseType = 'json'
  xhr.upload.onprogress = (event) => {
    if (event.lengthComputable && event.total > 0) onProgress(Math.min(1, event.loaded / event.total))
  }
  xhr.onload = () => settle(uploadOutcome(xhr.status, xhr.response, xhr.getResponseHeader('retry-after')))
  xhr.onerror = () => settle({ kind: 'network' })
  xhr.ontimeout = () => settle({ kind: 'network' })
  xhr.onabort = () => settle({ kind: 'aborted' })
  xhr.send(form)
  return {
    done,
    abort: () => {
      settle({ kind: 'aborted' })
      xhr.abort()
    },
  }
}
