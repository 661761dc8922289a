// Typed fetch wrapper for /api: JSON in and out, problem details turned into ApiError.
import type { ProblemBody } from '../../protocol/api.ts'

/** A failed API call, carrying the server's problem details (CONTRACT.md: Conventions). */
export class ApiError extends Error {
  readonly status: number
  readonly problem: ProblemBody

  constructor(problem: ProblemBody) {
    super(problem.detail)
    this.name = 'ApiError'
    this.status = problem.status
    this.problem = problem
  }

  /** Per-field messages, keyed by request field name. */
  get errors(): Record<string, string> {
    return this.problem.errors ?? {}
  }
}

type UnauthorizedListener = () => void
let onUnauthorized: UnauthorizedListener = () => {}

/** session.ts registers here, so api.ts needs no import of it (no cycle). */
export function setUnauthorizedListener(listener: UnauthorizedListener): void {
  onUnauthorized = listener
}

function isProblem(value: unknown): value is ProblemBody {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v.status === 'number' && typeof v.detail === 'string'
}

// Anything that is not our problem+json (a proxy's HTML page, a dropped connection) still
// reaches the UI as a problem a person can act on.
function fallbackProblem(status: number): ProblemBody {
  if (status === 0) {
    return {
      type: '/problems/network',
      title: 'Network error',
      status: 0,
      detail: 'Parley could not be reached. Check your connection and try again.',
    }
  }
  return {
    type: 'about:blank',
    title: 'Error',
    status,
    detail: 'Something went wrong on our side. Please try again.',
  }
}

async function readProblem(res: Response): Promise<ProblemBody> {
  try {
    const body: unknown = await res.json()
    if (isProblem(body)) return body
  } catch {
    // not JSON: fall through to a generic message
  }
  return fallbackProblem(res.status)
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  const init: RequestInit = { method, headers, credentials: 'same-origin' }
  if (body !== undefined) {
    headers['content-type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  let res: Response
  try {
    res = await fetch(`/api${path}`, init)
  } catch {
    throw new ApiError(fallbackProblem(0))
  }
  if (!res.ok) {
    const error = new ApiError(await readProblem(res))
    if (res.status === 401) onUnauthorized()
    throw error
  }
  if (res.status === 204) return undefined as T
  return (await res.json()) as T
}

/** The ApiError of a failed response (a 401 also signs the client out), for callers that read the body themselves. */
export async function errorOf(res: Response): Promise<ApiError> {
  const error = new ApiError(await readProblem(res))
  if (res.status === 401) onUnauthorized()
  return error
}

/** The error of a request that never got an answer (offline, dropped). */
export function networkError(): ApiError {
  return new ApiError(fallbackProblem(0))
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
}
