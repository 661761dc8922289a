// HTTP calls of the bench, each status counted so a run can prove it saw no 5xx.
import type { NetCounters } from './stats.ts'

export interface JsonResponse<T> {
  status: number
  body: T | null
  cookie: string | null
}

const REQUEST_TIMEOUT_MS = 30_000

export async function requestJson<T>(
  counters: NetCounters,
  url: string,
  init: { method?: string; body?: unknown; cookie?: string } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = {}
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  if (init.cookie) headers.cookie = init.cookie
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  })
  counters.countHttp(res.status)
  const text = await res.text()
  let body: T | null = null
  try {
    body = text ? (JSON.parse(text) as T) : null
  } catch {
    body = null
  }
  return { status: res.status, body, cookie: sessionCookieOf(res) }
}

/**
 * The `name=value` part of the cookie the server set, as a non-browser client sends it
 * back. The contract names no cookie: register/login set exactly one session cookie.
 */
function sessionCookieOf(res: Response): string | null {
  for (const header of res.headers.getSetCookie()) {
    const pair = header.split(';')[0]?.trim() ?? ''
    const eq = pair.indexOf('=')
    if (eq > 0 && eq < pair.length - 1) return pair
  }
  return null
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inPool<T, R>(
  items: T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await work(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
