// Closing a socket from the server's side (4401, 4403, 4408). The Close frame reaches the
// client at once, but workerd keeps the TCP connection of a hibernatable socket the server
// closed until the object hibernates, ~10 s later, and clients fire `close` only once it is
// gone (ADR 005). So a `closing` frame with the code goes first, for clients to act on now.
import type { ClosingFrame } from '../../protocol/frames.ts'

export function closeWith(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.send(JSON.stringify({ type: 'closing', code, reason } satisfies ClosingFrame))
    ws.close(code, reason)
  } catch {
    // already closing
  }
}
