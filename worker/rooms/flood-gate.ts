// Per-socket flood control: a token bucket for all frames, a slower one for typing
// relays, and a strike count that ends a socket that keeps flooding (close 4408).
// In memory only: a hibernated socket was idle anyway.
import type { Env } from '../env.ts'
import { TokenBucket } from '../limits/token-bucket.ts'

export interface ChatLimits {
  framesPerSecond: number
  frameBurst: number
  /** Consecutive refused frames before the socket is closed. */
  floodStrikes: number
  typingIntervalMs: number
  /** Sends of one member in one conversation, across all their sockets. */
  sendsPerSecond: number
  sendBurst: number
}

const num = (v: string | undefined, fallback: number) => {
  const n = Number(v)
  return Number.isFinite(n) && n > 0 ? n : fallback
}

export function chatLimitsOf(env: Env): ChatLimits {
  return {
    framesPerSecond: num(env.CHAT_FRAMES_PER_SECOND, 20),
    frameBurst: num(env.CHAT_FRAME_BURST, 60),
    floodStrikes: num(env.CHAT_FLOOD_STRIKES, 20),
    typingIntervalMs: 1000,
    sendsPerSecond: num(env.CHAT_SENDS_PER_SECOND, 20),
    sendBurst: num(env.CHAT_SEND_BURST, 60),
  }
}

export class FloodGate {
  private readonly bucket: TokenBucket
  private strikes = 0
  private lastTyping = 0

  constructor(private readonly limits: ChatLimits) {
    this.bucket = new TokenBucket(limits.framesPerSecond, limits.frameBurst)
  }

  /** Takes a token for one frame; false when the socket is over its rate. */
  admit(now = Date.now()): boolean {
    if (this.bucket.take(now)) {
      this.strikes = 0
      return true
    }
    this.strikes++
    return false
  }

  shouldClose(): boolean {
    return this.strikes >= this.limits.floodStrikes
  }

  /** Typing is relayed at most once per interval; the rest are dropped quietly. */
  admitTyping(now = Date.now()): boolean {
    if (now - this.lastTyping < this.limits.typingIntervalMs) return false
    this.lastTyping = now
    return true
  }
}

/** One flood gate per socket, made on its first frame (in memory: a hibernated socket was idle). */
export class SocketGates {
  private readonly gates = new WeakMap<WebSocket, FloodGate>()

  constructor(private readonly limits: ChatLimits) {}

  of(ws: WebSocket): FloodGate {
    let gate = this.gates.get(ws)
    if (!gate) {
      gate = new FloodGate(this.limits)
      this.gates.set(ws, gate)
    }
    return gate
  }
}

/**
 * One bucket per member for what they write (sends, edits, deletions, reactions), shared by
 * all their sockets in the room: more sockets buy no more writes.
 */
export class MemberGates {
  private readonly gates = new Map<string, FloodGate>()

  constructor(private readonly limits: ChatLimits) {}

  of(userId: string): FloodGate {
    let gate = this.gates.get(userId)
    if (!gate) {
      gate = new FloodGate({
        ...this.limits,
        framesPerSecond: this.limits.sendsPerSecond,
        frameBurst: this.limits.sendBurst,
      })
      this.gates.set(userId, gate)
    }
    return gate
  }
}
