// Marking read, as a client on screen does: every member reads up to the last seq it saw.
// The server echoes only a read that moves the stored one (an earlier read whose echo
// was lost with a dropped socket may already have reached that far), so each read is
// followed by a ping spelled so the room itself answers it: frames of one socket are
// handled in order, so the pong proves the read was handled.
import type { Member, Session } from './session.ts'

const QUIET = { ready() {}, message() {}, frame() {} }
/** Not the exact bytes the runtime answers by itself: this one goes through the room. */
const ROOM_PING = '{"type":"ping","after":"read"}'

/** Resolves with each member's read, and how many of them the room confirmed handling. */
export function markAllRead(
  session: Session,
  timeoutMs: number,
): Promise<{ sent: Map<Member, number>; acked: number }> {
  const sent = new Map<Member, number>()
  let acked = 0
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer)
      for (const m of session.members) m.chat.sink = QUIET
      resolve({ sent, acked })
    }
    const timer = setTimeout(finish, timeoutMs)
    for (const m of session.members) {
      const upTo = m.chat.lastSeq
      sent.set(m, upTo)
      const frame = `{"type":"read","upTo":${upTo}}`
      const send = () => m.chat.send(frame) && m.chat.send(ROOM_PING)
      m.chat.sink = {
        // A socket that reconnects meanwhile says it again.
        ready: () => send(),
        message() {},
        frame: (f) => {
          if (f.type === 'read' && f.userId === m.id && typeof f.upTo === 'number' && f.upTo > m.readAcked) {
            m.readAcked = f.upTo
          }
          if (f.type !== 'pong') return
          m.chat.sink = QUIET
          if (++acked === session.members.length) finish()
        },
      }
      send()
    }
  })
}
