// The signed-in devices list (GET /api/me/sessions), kept while it reloads so it never flickers.
import { createSignal } from 'solid-js'
import type { SessionInfo } from '../../../../protocol/api.ts'
import { listSessions } from '../../accounts.ts'
import { ApiError } from '../../api.ts'

export function createSessionsState() {
  const [sessions, setSessions] = createSignal<SessionInfo[] | null>(null)
  const [error, setError] = createSignal<string | null>(null)

  async function refresh(): Promise<void> {
    try {
      const { sessions: list } = await listSessions()
      setSessions(sortSessions(list))
      setError(null)
    } catch (err) {
      setError(err instanceof ApiError ? err.problem.detail : 'Your sessions could not be loaded.')
    }
  }

  return { sessions, error, refresh }
}

export type SessionsState = ReturnType<typeof createSessionsState>

/** This device first, then the most recently active. */
function sortSessions(list: SessionInfo[]): SessionInfo[] {
  return [...list].sort((a, b) => {
    if (a.current !== b.current) return a.current ? -1 : 1
    return Date.parse(b.lastSeenAt) - Date.parse(a.lastSeenAt)
  })
}
