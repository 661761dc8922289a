// Sessions that ended while one of their upgrades may still be in flight. The Worker checks
// a session (with the user's inbox, ADR 010) before it forwards an upgrade, so an upgrade
// that passed that check can reach an object just after the session ended there; the object
// must then refuse it. Remembering an ended session for a few minutes covers any upgrade in
// flight: a later one fails the check. The inbox's session gate also reads this list.

/** Longer than any upgrade takes between the Worker's session check and the object. */
const REMEMBER_MS = 10 * 60_000

export class EndedSessions {
  private readonly ended = new Map<string, number>()

  add(sessionIds: Iterable<string>, now = Date.now()): void {
    for (const id of sessionIds) this.ended.set(id, now)
    for (const [id, at] of this.ended) {
      if (now - at > REMEMBER_MS) this.ended.delete(id)
      else break // insertion order: the rest are newer
    }
  }

  has(sessionId: string): boolean {
    return this.ended.has(sessionId)
  }
}
