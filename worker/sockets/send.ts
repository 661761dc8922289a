// Sending to a socket that may be closing: a frame that can no longer go is dropped, since
// its client resumes (chat: from its last seq; notifications: from a fresh `unread`).

export function trySend(ws: WebSocket, text: string): void {
  try {
    ws.send(text)
  } catch {
    // closing or closed
  }
}
