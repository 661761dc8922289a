// Who is signed in, as GET /api/me last said; every screen reads it, sign-in/out write it.
import { createStore } from 'solid-js/store'
import type { User } from '../../protocol/api.ts'
import { fetchMe } from './accounts.ts'
import { ApiError, setUnauthorizedListener } from './api.ts'
import { forgetOffline, lastAccount, rememberAccount } from './offline/offline-db.ts'

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

/** Signed in from what the device kept, because the server could not be reached. */
let fromDevice = false

/** Whether the person was signed in from the device's copy (the server has not answered yet). */
export function signedInFromDevice(): boolean {
  return fromDevice
}

export function setSignedIn(user: User): void {
  fromDevice = false
  setState({ status: 'signed-in', user, endedBy: null })
  // Who to show offline next time; someone else's kept chats are wiped here.
  void rememberAccount(user)
}

/** While this device signs itself out, the server's 4401 on its sockets is that sign-out. */
let signingOut = false

export function clearSession(endedBy: SessionEnd): void {
  // A deletion is said as such even while this device ends its own sessions.
  fromDevice = false
  setState({ status: 'signed-out', user: null, endedBy: signingOut && endedBy !== 'deleted' ? 'sign-out' : endedBy })
  // However the session ended, the next person on this device sees nothing of it.
  void forgetOffline()
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
    else if (!(err instanceof ApiError && err.status === 0 && (await signedInOffline()))) {
      setState({ status: 'unreachable', user: null })
    }
  }
}

/**
 * No network: the last person signed in on this device sees what it kept of their chats. The
 * server has the last word once it answers again: a session that ended meanwhile signs out.
 */
async function signedInOffline(): Promise<boolean> {
  const user = await lastAccount()
  if (!user) return false
  fromDevice = true
  setState({ status: 'signed-in', user, endedBy: null })
  const recheck = async () => {
    try {
      const { user: current } = await fetchMe()
      if (state.status === 'signed-in' && state.user?.id === current.id) setSignedIn(current)
    } catch (err) {
      // A 401 has signed out already (the unauthorized listener); anything else tries later.
      if (!(err instanceof ApiError && err.status === 401)) window.addEventListener('online', recheck, { once: true })
    }
  }
  window.addEventListener('online', recheck, { once: true })
  return true
}

/** "Ada Lovelace", or the email when no name is set; "Deleted account" for a deleted Peer. */
export function displayName(user: Pick<User, 'firstName' | 'lastName' | 'email'> & { deleted?: true }): string {
  if (user.deleted) return 'Deleted account'
  const name = [user.firstName, user.lastName].filter((part) => part.length > 0).join(' ')
  return name || user.email
}
