// Who is signed in, as GET /api/me last said; every screen reads it, sign-in/out write it.
import { createStore } from 'solid-js/store'
import type { User } from '../../protocol/api.ts'
import { fetchMe } from './accounts.ts'
import { ApiError, setUnauthorizedListener } from './api.ts'

export type SessionStatus = 'loading' | 'signed-in' | 'signed-out' | 'unreachable'

/** Why the last session ended: the sign-in screen explains an unexpected end. */
export type SessionEnd = 'sign-out' | 'expired' | 'deleted' | null

interface SessionState {
  status: SessionStatus
  user: User | null
  endedBy: SessionEnd
}

const [state, setState] = createStore<SessionState>({ status: 'loading', user: null, endedBy: null })

export const session = state

export function setSignedIn(user: User): void {
  setState({ status: 'signed-in', user, endedBy: null })
}

/** While this device signs itself out, the server's 4401 on its sockets is that sign-out. */
let signingOut = false

export function clearSession(endedBy: SessionEnd): void {
  // A deletion is said as such even while this device ends its own sessions.
  setState({ status: 'signed-out', user: null, endedBy: signingOut && endedBy !== 'deleted' ? 'sign-out' : endedBy })
}

/** Runs this device's own sign-out: a session end that it causes is not "ended elsewhere". */
export async function signingOutWhile<T>(work: () => Promise<T>): Promise<T> {
  signingOut = true
  try {
    return await work()
  } finally {
    signingOut = false
  }
}

// Any 401 means the session is gone (logged out, revoked elsewhere, expired): the route
// guards then send the person to sign in.
setUnauthorizedListener(() => clearSession(state.status === 'signed-in' ? 'expired' : state.endedBy))

export async function loadSession(): Promise<void> {
  setState('status', 'loading')
  try {
    const { user } = await fetchMe()
    setSignedIn(user)
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) clearSession(null)
    else setState({ status: 'unreachable', user: null })
  }
}

/** "Ada Lovelace", or the email when no name is set; "Deleted account" for a deleted Peer. */
export function displayName(user: Pick<User, 'firstName' | 'lastName' | 'email'> & { deleted?: true }): string {
  if (user.deleted) return 'Deleted account'
  const name = [user.firstName, user.lastName].filter((part) => part.length > 0).join(' ')
  return name || user.email
}
