// One live WebSocket of a bench user (a chat or a notifications socket): connects with
// the session cookie and no Origin (a non-browser client, CONTRACT.md), reconnects with
// exponential backoff and jitter, and resumes a chat with `?after=<last seq seen>`.
import WebSocket from 'ws'
import type { Message } from '../../protocol/api.ts'
import type { ServerFrame } from '../../protocol/frames.ts'
import type { NetCounters } from './stats.ts'

export interface Endpoint {
  /** Where to connect; `after` is the last seq seen, null on a first connect or without resume. */
  url(after: number | null): string
  headers?: Record<string, string>
}

export interface ReconnectPolicy {
  enabled: boolean
  /** Reconnect with `?after=` so missed messages are replayed. */
  resume: boolean
  baseMs: number
  capMs: number
  /** Consecutive failed attempts before the socket gives up for good. */
  maxAttempts: number
}

export const NO_RECONNECT: ReconnectPolicy = { enabled: false, resume: false, baseMs: 0, capMs: 0, maxAttempts: 0 }

export type ReadyFrame = Extract<ServerFrame, { type: 'ready' }>

/** What a socket reports; one object per socket, swapped by each phase. */
export interface SocketSink {
  ready(frame: ReadyFrame, resumed: boolean): void
  message(message: Message): void
  frame(frame: { type: string; [k: string]: unknown }): void
}

const IGNORE: SocketSink = { ready() {}, message() {}, frame() {} }
const HANDSHAKE_TIMEOUT_MS = 15_000
const UNEXPECTED_STATUS = /Unexpected server response: (\d{3})/

export class LiveSocket {
  sink: SocketSink = IGNORE
  /** Highest message seq seen on this socket lineage; -1 before the first `ready`. */
  lastSeq = -1
  isReady = false
  /** The latest `ready` frame (chat sockets). */
  lastReady: ReadyFrame | null = null
  /** Set for good when the socket was closed by us or gave up reconnecting. */
  finished = false
  private ws: WebSocket | null = null
  private attempts = 0
  private retryTimer: NodeJS.Timeout | null = null
  private readonly endpoint: Endpoint
  private readonly policy: ReconnectPolicy
  private readonly counters: NetCounters
  /** The frame type that means "this socket is live": `ready` (chat) or `unread` (notifications). */
  private readonly firstFrame: string
  private opened: { resolve: () => void; reject: (e: Error) => void } | null = null

  constructor(endpoint: Endpoint, policy: ReconnectPolicy, counters: NetCounters, firstFrame = 'ready') {
    this.endpoint = endpoint
    this.policy = policy
    this.counters = counters
    this.firstFrame = firstFrame
  }

  /** Resolves on the first ready frame; rejects when connecting fails for good. */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.opened = { resolve, reject }
      this.connect()
    })
  }

  send(text: string): boolean {
    const ws = this.ws
    if (!this.isReady || ws === null || ws.readyState !== WebSocket.OPEN) return false
    ws.send(text)
    return true
  }

  /** A fault from the client side: the socket goes away and the reconnect policy applies. */
  drop(abrupt: boolean): void {
    const ws = this.ws
    if (!ws || !this.isReady) return
    // Not ready from now on, so a second drop before the close completes is not counted.
    this.isReady = false
    this.attempts = 0
    this.counters.drops++
    if (abrupt) ws.terminate()
    else ws.close(1000, 'bench drop')
  }

  /** Closes for good, waiting (bounded) for the closing handshake. */
  close(): Promise<void> {
    this.finished = true
    this.isReady = false
    if (this.retryTimer) clearTimeout(this.retryTimer)
    const ws = this.ws
    this.ws = null
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate()
        resolve()
      }, 2_000)
      ws.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate()
      else ws.close(1000, 'bench done')
    })
  }

  private connect(): void {
    if (this.finished) return
    const resuming = this.policy.resume && this.lastSeq >= 0
    const url = this.endpoint.url(resuming ? this.lastSeq : null)
    // perMessageDeflate off: workerd does not negotiate it and it would cost generator CPU.
    const ws = new WebSocket(url, {
      headers: this.endpoint.headers,
      perMessageDeflate: false,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    })
    this.ws = ws
    this.counters.connects++
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (this.ws !== ws || isBinary) return
      this.onFrame(data.toString(), resuming)
    })
    ws.on('error', (err: Error) => {
      if (this.ws !== ws) return
      const status = UNEXPECTED_STATUS.exec(err.message)?.[1]
      if (status) this.counters.countHttp(Number(status))
      else this.counters.connectErrors++
    })
    ws.on('close', (code: number) => {
      if (this.ws !== ws) return
      const wasReady = this.isReady
      this.isReady = false
      this.counters.countClose(code)
      if (this.finished) return
      if (wasReady) this.attempts = 0
      this.retry()
    })
  }

  private onFrame(text: string, resumed: boolean): void {
    let frame: { type: string; [k: string]: unknown }
    try {
      frame = JSON.parse(text)
    } catch {
      this.counters.badFrames++
      return
    }
    if (frame.type === 'message') {
      const message = (frame as unknown as { message: Message }).message
      if (message.seq > this.lastSeq) this.lastSeq = message.seq
      this.sink.message(message)
      return
    }
    if (frame.type === this.firstFrame && !this.isReady) {
      this.isReady = true
      this.attempts = 0
      if (frame.type === 'ready') {
        const ready = frame as unknown as ReadyFrame
        this.lastReady = ready
        if (this.lastSeq < 0) this.lastSeq = ready.lastSeq
        this.sink.ready(ready, resumed)
      } else this.sink.frame(frame)
      if (this.opened) {
        this.opened.resolve()
        this.opened = null
      }
      return
    }
    if (frame.type === 'error') this.counters.countErrorFrame(String(frame.code))
    this.sink.frame(frame)
  }

  private retry(): void {
    this.ws = null
    // A first open always gets a few tries: a busy server may refuse a burst of upgrades.
    const maxAttempts = this.policy.enabled ? this.policy.maxAttempts : this.opened ? 5 : 0
    if (this.attempts >= maxAttempts) {
      this.finished = true
      this.counters.gaveUp++
      this.opened?.reject(new Error(`could not connect to ${this.endpoint.url(null)}`))
      this.opened = null
      return
    }
    const base = this.policy.enabled ? this.policy.baseMs : 200
    const cap = this.policy.enabled ? this.policy.capMs : 2_000
    // Exponential backoff with "equal jitter": half fixed, half random, so a crowd of
    // clients that lost the server together does not come back in lockstep.
    const ceiling = Math.min(cap, base * 2 ** this.attempts)
    const delay = ceiling / 2 + Math.random() * (ceiling / 2)
    this.attempts++
    if (this.opened === null) this.counters.reconnects++
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.connect()
    }, delay)
  }
}
