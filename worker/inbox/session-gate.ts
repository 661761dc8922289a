// Which of the user's sessions are live, answered by the user's own UserInbox so that a
// signed-in request asks an object near the user instead of D1's primary, one region away
// (ADR 010). D1 stays the truth: a session the gate has not seen lately is read from D1 and
// remembered for a minute. Everything Parley does that ends a session or changes the user
// goes through this object first (`endSessions`, `userChanged`), so the next request sees it.
// What is written to D1 behind the Worker's back (`createsuperuser`, an operator's SQL) is
// seen at once where a role matters (the admin routes and GET /api/me read D1 afresh), and by
// every other request within SESSION_GATE_MS.
import type { User } from '../../protocol/api.ts'
import { keyringOf } from '../crypto/keys.ts'
import { openDb } from '../db/client.ts'
import { findLiveSession, sessionCutoff, touchSession } from '../db/sessions.ts'
import { toUser } from '../db/users.ts'
import type { Env, SessionContext } from '../env.ts'
import type { EndedSessions } from '../sockets/ended-sessions.ts'

/** How long a session read from D1 is trusted without reading it again. */
export const SESSION_GATE_MS = 60_000
/** A session's last_seen_at is refreshed at most this often, so requests don't each cost a D1 write. */
export const TOUCH_EVERY_MS = 5 * 60_000
/** Sessions remembered at once; the least recently checked makes way (a user has a handful). */
const MAX_REMEMBERED = 64

export interface SessionCheck {
  /** Read D1 whatever is remembered: where a role must be current (ADR 010). */
  fresh?: boolean
  /** Refresh last_seen_at when it is due; a socket upgrade does not (ADR 012). */
  touch?: boolean
}

interface Remembered {
  user: User
  createdAt: string
  lastSeenAt: number
  readAt: number
}

export class SessionGate {
  private readonly live = new Map<string, Remembered>()
  /** Bumped by every forget: a D1 read that began before it is used once, never remembered. */
  private generation = 0

  constructor(
    private readonly env: Env,
    private readonly ended: EndedSessions,
    private readonly waitUntil: (work: Promise<unknown>) => void,
  ) {}

  /** The session's user when `sessionId` of `userId` is live, else null. */
  async check(
    userId: string,
    sessionId: string,
    { fresh = false, touch = true }: SessionCheck = {},
    now = Date.now(),
  ): Promise<SessionContext | null> {
    if (this.ended.has(sessionId)) return null
    let hit = this.live.get(sessionId)
    // A refresh this gate sent may not have reached D1 yet: the later of the two counts.
    const seenHere = hit?.lastSeenAt ?? 0
    if (hit && (fresh || now - hit.readAt > SESSION_GATE_MS || hit.createdAt <= sessionCutoff(now))) {
      this.live.delete(sessionId)
      hit = undefined
    }
    if (!hit) {
      const generation = this.generation
      const db = openDb(this.env.DB)
      const found = await findLiveSession(db, sessionId, userId)
      if (!found?.user.isActive) return null
      hit = {
        user: await toUser(await keyringOf(this.env), found.user),
        createdAt: found.session.createdAt,
        lastSeenAt: Math.max(seenHere, Date.parse(found.session.lastSeenAt)),
        readAt: now,
      }
      // Ended while D1 answered: refused. Changed meanwhile: this answer is used once, not kept.
      if (this.ended.has(sessionId)) return null
      if (generation !== this.generation) return { sessionId, user: hit.user }
      this.remember(sessionId, hit)
    } else {
      // Most recently checked last, so the oldest is the first to make way.
      this.live.delete(sessionId)
      this.live.set(sessionId, hit)
    }
    if (touch && now - hit.lastSeenAt > TOUCH_EVERY_MS) {
      hit.lastSeenAt = now
      this.waitUntil(touchSession(openDb(this.env.DB), sessionId, new Date(now)).run())
    }
    return { sessionId, user: hit.user }
  }

  /** These sessions ended (all of the user's when null): the next check of any of them fails or rereads D1. */
  forget(sessionIds: readonly string[] | null): void {
    this.generation++
    if (sessionIds === null) this.live.clear()
    else for (const id of sessionIds) this.live.delete(id)
  }

  private remember(sessionId: string, entry: Remembered): void {
    this.live.set(sessionId, entry)
    if (this.live.size > MAX_REMEMBERED) this.live.delete(this.live.keys().next().value!)
  }
}
