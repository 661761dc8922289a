// The room's hibernatable chat sockets: who may open one (ended sessions, caps), what each
// carries across hibernation, fan-out, and closing the sockets of ended sessions.
import type { ServerFrame } from '../../protocol/frames.ts'
import { type Admission, admission, type SocketLimits } from '../sockets/admission.ts'
import { closeWith } from '../sockets/close.ts'
import { EndedSessions } from '../sockets/ended-sessions.ts'
import { trySend } from '../sockets/send.ts'

/** Survives hibernation with the socket. */
export interface SocketAttachment {
  userId: string
  sessionId: string
  viewing: boolean
}

export class RoomSockets {
  /** Kept in memory: the window it covers (an upgrade in flight) is milliseconds long. */
  private readonly ended = new EndedSessions()

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly limits: SocketLimits,
  ) {}

  admission(userId: string, sessionId: string): Admission {
    const open = this.openOf(userId).map((ws) => attachmentOf(ws)!)
    return admission(open, sessionId, this.ended, this.limits)
  }

  accept(ws: WebSocket, att: SocketAttachment): void {
    this.ctx.acceptWebSocket(ws, [att.userId, att.sessionId])
    ws.serializeAttachment(att)
  }

  /** Whether a frame from this session may still change anything. */
  isEnded(sessionId: string): boolean {
    return this.ended.has(sessionId)
  }

  /**
   * Ends these sessions of the user here (all of the user's sockets when null): open
   * sockets close with `code`, and upgrades of the named sessions still on their way are refused.
   */
  closeSessions(userId: string, sessionIds: string[] | null, code: number, reason: string): number {
    if (sessionIds) this.ended.add(sessionIds)
    const ended = sessionIds ? new Set(sessionIds) : null
    let closed = 0
    for (const ws of this.ctx.getWebSockets(userId)) {
      const att = attachmentOf(ws)
      if (!att || (ended && !ended.has(att.sessionId))) continue
      closeWith(ws, code, reason)
      closed++
    }
    return closed
  }

  setViewing(ws: WebSocket, active: boolean): void {
    const att = attachmentOf(ws)
    if (att && att.viewing !== active) ws.serializeAttachment({ ...att, viewing: active } satisfies SocketAttachment)
  }

  /** The member has a chat socket of this conversation open (so a new message reaches a device). */
  hasOpen(userId: string): boolean {
    return this.openOf(userId).length > 0
  }

  isViewing(userId: string): boolean {
    return this.openOf(userId).some((ws) => attachmentOf(ws)?.viewing)
  }

  /** Whether any socket other than `except` is still open. */
  anyOpen(except?: WebSocket): boolean {
    return this.ctx.getWebSockets().some((s) => s !== except && s.readyState === WebSocket.OPEN)
  }

  send(ws: WebSocket, frame: ServerFrame): void {
    trySend(ws, JSON.stringify(frame))
  }

  /** Every frame to every socket of the room, in order; the sockets are looked up once. */
  broadcast(...frames: ServerFrame[]): void {
    const sockets = this.ctx.getWebSockets()
    for (const frame of frames) {
      const text = JSON.stringify(frame)
      for (const ws of sockets) trySend(ws, text)
    }
  }

  /** One frame to the sockets of one member. */
  sendTo(userId: string, frame: ServerFrame): void {
    const text = JSON.stringify(frame)
    for (const ws of this.ctx.getWebSockets(userId)) trySend(ws, text)
  }

  closeAll(code: number, reason: string): void {
    for (const ws of this.ctx.getWebSockets()) closeWith(ws, code, reason)
  }

  private openOf(userId: string): WebSocket[] {
    return this.ctx.getWebSockets(userId).filter((ws) => ws.readyState === WebSocket.OPEN)
  }
}

export function attachmentOf(ws: WebSocket): SocketAttachment | null {
  return ws.deserializeAttachment() as SocketAttachment | null
}
