// A WebSocket that stays up: reconnects with backoff, detects dead connections with a
// ping/pong heartbeat, pauses while the browser is offline, and applies the close-code
// policy of the contract (4401, 4403, 4408, 1012, 1013), acting on the `closing` frame that announces
// a server's close rather than waiting for the close event (ADR 005). Shared by the chat and
// notifications sockets.
import { createSignal } from 'solid-js'
import { PING_FRAME } from '../../../protocol/frames.ts'
import { backoffDelay, retryAfterDelay, retryAfterOf } from './backoff.ts'

export const HEARTBEAT_MS = 25_000
/** No frame at all this long after a ping: the connection is dead even if the socket says open. */
export const PONG_TIMEOUT_MS = 10_000
/** After a 4408 (flooding), the server wants us gone for a while. */
export const FLOOD_PAUSE_MS = 30_000

export type SocketState =
  | 'connecting' // a handshake is under way
  | 'open'
  | 'waiting' // closed; the next attempt is scheduled (see retryAt)
  | 'offline' // the browser says there is no network; we retry when it comes back
  | 'stopped' // closed for good: stop() was called or the server refused us

export type StopReason = 'session-ended' | 'forbidden' | 'gone'

export interface LiveSocketOptions {
  /** The URL for the next attempt; called each time (the chat socket's `after` moves on). */
  url: () => string
  /**
   * Runs before every attempt with `afterFailure` false (it may load state the socket
   * needs), and right after a handshake that failed with `afterFailure` true (to check that
   * retrying makes sense). Throwing a StopError ends the socket; any other error before an
   * attempt counts as a failed attempt, after a failed handshake it changes nothing.
   */
  prepare?: (afterFailure: boolean) => Promise<void>
  onOpen?: () => void
  onFrame: (frame: unknown) => void
  onClose?: (code: number) => void
  onStop?: (reason: StopReason, detail: string) => void
}

/** Thrown from `prepare` to end the socket for good. */
export class StopError extends Error {
  constructor(
    readonly reason: StopReason,
    detail: string,
  ) {
    super(detail)
    this.name = 'StopError'
  }
}

export interface LiveSocket {
  state: () => SocketState
  /** When the next attempt happens (ms since epoch), while waiting. */
  retryAt: () => number | null
  /** The last close that was not our own doing, for a short explanation in the UI. */
  lastProblem: () => string | null
  start(): void
  stop(): void
  /** Sends when open; false when the frame could not be sent (the caller keeps it). */
  send(text: string): boolean
  /** Skips the wait and tries now. */
  retryNow(): void
}

/** The code and reason of a `closing` frame (protocol/frames.ts ClosingFrame), or null for any other frame. */
function closingOf(frame: unknown): { code: number; reason: string } | null {
  if (typeof frame !== 'object' || frame === null) return null
  const { type, code, reason } = frame as { type?: unknown; code?: unknown; reason?: unknown }
  if (type !== 'closing' || typeof code !== 'number') return null
  return { code, reason: typeof reason === 'string' ? reason : '' }
}

/** The ws:// or wss:// URL of a path on this origin (CSP connect-src 'self' allows it). */
export function wsUrl(path: string): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}${path}`
}

export function createLiveSocket(options: LiveSocketOptions): LiveSocket {
  const [state, setState] = createSignal<SocketState>('stopped')
  const [retryAt, setRetryAt] = createSignal<number | null>(null)
  const [lastProblem, setLastProblem] = createSignal<string | null>(null)
  let ws: WebSocket | null = null
  let attempt = 0
  let running = false
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let heartbeatTimer: ReturnType<typeof setInterval> | undefined
  let pongTimer: ReturnType<typeof setTimeout> | undefined
  // Each connection gets a generation; events of an abandoned socket are ignored.
  let generation = 0

  function clearTimers(): void {
    clearTimeout(retryTimer)
    clearInterval(heartbeatTimer)
    clearTimeout(pongTimer)
    retryTimer = heartbeatTimer = pongTimer = undefined
  }

  /** Forgets the current socket without waiting for a close handshake a dead link never finishes. */
  function abandon(): void {
    generation++
    clearTimers()
    const old = ws
    ws = null
    if (old) {
      old.onopen = old.onmessage = old.onclose = old.onerror = null
      try {
        old.close(1000, 'reconnecting')
      } catch {
        // already closing
      }
    }
  }

  function schedule(delayMs: number): void {
    clearTimeout(retryTimer)
    if (!navigator.onLine) {
      setState('offline')
      setRetryAt(null)
      return
    }
    setState('waiting')
    setRetryAt(Date.now() + delayMs)
    retryTimer = setTimeout(() => void connect(), delayMs)
  }

  function retryAfterFailure(): void {
    schedule(backoffDelay(attempt++))
  }

  /**
   * A handshake failed, and a browser cannot tell a refusal (401, 403, 404) from a network
   * failure: the same route over HTTP says which, asked now rather than before the next
   * attempt. While the server is down the probe fails too, costing it nothing; once it is
   * back, the next attempt dials at once, so a reconnect after a deploy is one request, not
   * a probe and then the upgrade (ADR 012).
   */
  async function probeAfterFailure(): Promise<void> {
    const mine = generation
    try {
      await options.prepare?.(true)
    } catch (err) {
      if (mine !== generation || !running) return
      if (err instanceof StopError) return halt(err.reason, err.message)
    }
    if (mine !== generation || !running) return
    retryAfterFailure()
  }

  function halt(reason: StopReason, detail: string): void {
    running = false
    abandon()
    setState('stopped')
    setRetryAt(null)
    setLastProblem(detail)
    options.onStop?.(reason, detail)
  }

  async function connect(): Promise<void> {
    if (!running) return
    abandon()
    const mine = generation
    setState('connecting')
    setRetryAt(null)
    try {
      await options.prepare?.(false)
    } catch (err) {
      if (mine !== generation || !running) return
      if (err instanceof StopError) return halt(err.reason, err.message)
      return retryAfterFailure()
    }
    if (mine !== generation || !running) return
    let socket: WebSocket
    try {
      socket = new WebSocket(options.url())
    } catch {
      return retryAfterFailure()
    }
    ws = socket
    let opened = false
    socket.onopen = () => {
      opened = true
      attempt = 0
      setLastProblem(null)
      setState('open')
      heartbeatTimer = setInterval(ping, HEARTBEAT_MS)
      options.onOpen?.()
    }
    socket.onmessage = (event) => {
      // Any frame proves the link is alive, the pong included.
      clearTimeout(pongTimer)
      pongTimer = undefined
      if (typeof event.data !== 'string') return
      let frame: unknown
      try {
        frame = JSON.parse(event.data)
      } catch {
        return
      }
      const closing = closingOf(frame)
      if (closing !== null) {
        // The server is closing this socket with that code; its close event can come seconds
        // later (ADR 005), so the socket counts as closed with that code now.
        abandon()
        options.onClose?.(closing.code)
        onClosed(closing.code, true, closing.reason)
        return
      }
      options.onFrame(frame)
    }
    socket.onclose = (event) => {
      if (mine !== generation) return
      abandon()
      options.onClose?.(event.code)
      onClosed(event.code, opened, event.reason)
    }
  }

  function ping(): void {
    if (!ws || ws.readyState !== WebSocket.OPEN) return
    ws.send(PING_FRAME)
    if (pongTimer === undefined) {
      pongTimer = setTimeout(() => {
        // The socket still looks open but nothing came back: treat it as closed.
        const link = ws
        if (!link) return
        abandon()
        options.onClose?.(4000)
        setLastProblem('The connection stopped answering.')
        onClosed(1006, true)
      }, PONG_TIMEOUT_MS)
    }
  }

  function onClosed(code: number, opened: boolean, reason = ''): void {
    if (!running) {
      setState('stopped')
      return
    }
    switch (code) {
      case 4401:
        halt('session-ended', 'Your session ended. Sign in again.')
        break
      case 4403:
        halt('forbidden', 'You can no longer use this conversation.')
        break
      case 4408:
        setLastProblem('Too many messages too quickly. Reconnecting shortly.')
        schedule(FLOOD_PAUSE_MS + backoffDelay(0))
        break
      case 1013: {
        // The server is overloaded and said when to come back (ADR 012): wait that long,
        // plus jitter, instead of the usual quick retry; the server is up, so no probe.
        const seconds = retryAfterOf(reason)
        setLastProblem('The server is busy. Reconnecting shortly.')
        schedule(seconds === null ? backoffDelay(attempt++) : retryAfterDelay(seconds))
        break
      }
      case 1012:
        // A deploy or restart: come straight back (a little jitter spreads the tabs).
        schedule(backoffDelay(0))
        break
      default:
        if (opened) {
          // It was up: the first retry is quick, later ones back off.
          schedule(backoffDelay(attempt++))
        } else void probeAfterFailure()
    }
  }

  function onOffline(): void {
    if (!running) return
    // Chromium keeps a socket "open" through an outage and holds its frames; start
    // afresh instead, resuming from the last frame we saw.
    abandon()
    options.onClose?.(1006)
    setState('offline')
    setRetryAt(null)
  }

  function onOnline(): void {
    if (!running) return
    if (state() === 'offline' || state() === 'waiting') {
      attempt = 0
      void connect()
    }
  }

  function onVisible(): void {
    // Phones suspend background tabs: when the person comes back, do not make them wait.
    if (running && document.visibilityState === 'visible' && state() === 'waiting') void connect()
  }

  return {
    state,
    retryAt,
    lastProblem,
    start() {
      if (running) return
      running = true
      attempt = 0
      window.addEventListener('offline', onOffline)
      window.addEventListener('online', onOnline)
      document.addEventListener('visibilitychange', onVisible)
      if (navigator.onLine) void connect()
      else setState('offline')
    },
    stop() {
      running = false
      window.removeEventListener('offline', onOffline)
      window.removeEventListener('online', onOnline)
      document.removeEventListener('visibilitychange', onVisible)
      abandon()
      setState('stopped')
      setRetryAt(null)
    },
    send(text: string): boolean {
      if (!ws || ws.readyState !== WebSocket.OPEN) return false
      ws.send(text)
      return true
    },
    retryNow() {
      if (!running || state() === 'open' || state() === 'connecting') return
      attempt = 0
      void connect()
    },
  }
}
