// Downloading one's data (GET /api/me/export): the body read as it streams, with how much has
// arrived so far, then handed to the browser as a file. The server sends one page of
// messages at a time, so the counts move while it is prepared.
import { ApiError, errorOf, networkError } from '../../api.ts'

export interface DownloadProgress {
  bytes: number
  /** Messages received so far (each one's `"clientId":` key: only messages have it). */
  messages: number
}

/** A key in the document, never text inside a string: a quote in a body arrives escaped. */
const MESSAGE_KEY = '"clientId":'

/** The file name the server chose (`parley-export-2026-12-02.json`), or a dated default. */
export function fileNameOf(res: Response, now = new Date()): string {
  const match = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')
  return match?.[1] ?? `parley-export-${now.toISOString().slice(0, 10)}.json`
}

/** Counts message keys across chunk boundaries. */
export function messageCounter(): (text: string) => number {
  let tail = ''
  let count = 0
  return (text) => {
    const joined = tail + text
    let at = joined.indexOf(MESSAGE_KEY)
    while (at !== -1) {
      count++
      at = joined.indexOf(MESSAGE_KEY, at + MESSAGE_KEY.length)
    }
    tail = joined.slice(-(MESSAGE_KEY.length - 1))
    return count
  }
}

/**
 * Fetches the export, reporting progress per chunk, and resolves with the whole file. A
 * refusal (429, 401) or a cut-off stream rejects with an ApiError a person can act on.
 */
export async function fetchExport(
  onProgress: (p: DownloadProgress) => void,
  signal?: AbortSignal,
): Promise<{ blob: Blob; name: string; messages: number }> {
  let res: Response
  try {
    res = await fetch('/api/me/export', { credentials: 'same-origin', headers: { accept: 'application/json' }, signal })
  } catch {
    throw networkError()
  }
  if (!res.ok || !res.body) throw await errorOf(res)
  const name = fileNameOf(res)
  const reader = res.body.getReader()
  const decoder = new TextDecoder()
  const count = messageCounter()
  const parts: Uint8Array<ArrayBuffer>[] = []
  let bytes = 0
  let messages = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      parts.push(value)
      bytes += value.byteLength
      messages = count(decoder.decode(value, { stream: true }))
      onProgress({ bytes, messages })
    }
  } catch {
    throw new ApiError({
      type: '/problems/interrupted',
      title: 'Download interrupted',
      status: 0,
      detail: 'The download was interrupted before all your data arrived. Please try again.',
    })
  }
  return { blob: new Blob(parts, { type: 'application/json' }), name, messages }
}

/** Hands the file to the browser's downloads, as a link with `download` would. */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = name
  link.hidden = true
  document.body.append(link)
  link.click()
  link.remove()
  // The download has started from the link; the URL is not needed once it has.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** "3.4 MB", "820 KB": how much has arrived. */
export function formatBytes(bytes: number): string {
  if (bytes === 0) return '0 KB'
  if (bytes < 1000 * 1000) return `${Math.max(1, Math.round(bytes / 1000))} KB`
  return `${(bytes / (1000 * 1000)).toFixed(1)} MB`
}
