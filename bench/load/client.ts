// One live WebSocket of a bench user (a chat or a notifications socket): connects with
// the session cookie and no Origin (a non-browser client, CONTRACT.md), reconnects with
// exponential backoff and jitter, and resumes a chat with `?after=<last seq seen>` (and,
// when the policy says so, `&since=<highest rev seen>`, so missed edits, deletions and
// reactions come back as `update` frames).
import WebSocket from 'ws'
import { backoffDelay, retryAfterDelay, retryAfterOf } from '../../client/src/chat/backoff.ts'
import type { Message } from '../../protocol/api.ts'
import type { ServerFrame } from '../../protocol/frames.ts'
import type { NetCounters } from './stats.ts'

export interface Endpoint {
  /**
   * Where to connect; `after` is the last seq seen, null on a first connect or without
   * resume; `since` the highest rev seen, null unless the policy resumes changes too.
   */
  url(after: number | null, since?: number | null): string
  headers?: Record<string, string>
}

export interface ReconnectPolicy {
  enabled: boolean
  /** Reconnect with `?after=` so missed messages are replayed. */
  resume: boolean
  /** Also reconnect with `&since=<highest rev seen>`, so missed changes are replayed as `update` frames. */
  since?: boolean
  baseMs: number
  capMs: number
  /** Consecutive failed attempts before the socket gives up for good. */
  maxAttempts: number
  /** Wait as the web client does (client/src/chat/backoff.ts) instead of baseMs/capMs. */
  clientBackoff?: boolean
}

export const NO_RECONNECT: ReconnectPolicy = { enabled: false, resume: false, baseMs: 0, capMs: 0, maxAttempts: 0 }

export type ReadyFrame = Extract<ServerFrame, { type: 'ready' }>

/** What a socket reports; one object per socket, swapped by each phase. */
export interface SocketSink {
  ready(frame: ReadyFrame, resumed: boolean): void
  message(message: Message): void
  frame(frame: { type: string; [k: string]: unknown }): void
}

/** Sees every `message` and `update` frame of a socket, whichever sink a phase has set. */
export type StateObserver = (message: Message, kind: 'message' | 'update') => void

const IGNORE: SocketSink = { ready() {}, message() {}, frame() {} }
/** Not the exact bytes the runtime answers by itself, so the room answers it, after the replay it wrote at accept. */
const REPLAY_PING = '{"type":"ping","after":"replay"}'
const HANDSHAKE_TIMEOUT_MS = 15_000
const UNEXPECTED_STATUS = /Unexpected server response: (\d{3})/

export class LiveSocket {
  sink: SocketSink = IGNORE
  /** Highest message seq seen on this socket lineage; -1 before the first `ready`. */
  lastSeq = -1
  /**
   * Highest rev seen (`message` and `update` frames; the first `ready.lastRev`), a replay's
   * only once it is all in: the `since` of the next resume. -1 before the first `ready`.
   */
  lastRev = -1
  /** Reconnects whose `ready.lastRev` was below a rev this socket had already seen. */
  revRewinds = 0
  /**
   * Live frames (not part of a replay) bringing a state newer than the one held for their
   * message, with a rev below one already received on the same connection: at each, a
   * connection ending just before would make `since=<highest rev seen>` skip that change. A
   * resumed connection's replay ends at the pong to a ping sent on `ready`. (A retried send's
   * echo repeats a state already held: not counted.)
   */
  revInversions = 0
  /** Per seq, the highest rev this member received: whether a frame brings news. */
  private readonly revBySeq = new Map<number, number>()
  private connectionRev = -1
  private replaying = false
  /** The highest rev of the replay under way: `lastRev` takes it only once the replay is all in. */
  private replayRev = -1
  /**
   * Each resumed connect's cursors (`after`, `since`) and the revs the connection before it
   * received last, for the fault runs' reports; the last 500.
   */
  readonly resumes: { after: number; since: number | null; lastRevs: number[] }[] = []
  /** The revs of the last frames the current connection received, oldest first. */
  private recentRevs: number[] = []
  /** Set by a member that keeps its own view of the conversation (fault runs). */
  observer: StateObserver | null = null
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
  /** When the socket last became live (performance.now()); 0 before. */
  readyAt = 0
  /**
   * Run right after a handshake that failed, before the retry is scheduled, as the web
   * client probes the same route over HTTP then (live-socket.ts, chat-session.ts,
   * notifications-socket.ts); its outcome changes nothing here.
   */
  prepare: (() => Promise<void>) | null = null
  /** The Retry-After of the 1013 that closed the last connection, if it was one. */
  private retryAfterS: number | null = null

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
    const since = resuming && this.policy.since && this.lastRev >= 0 ? this.lastRev : null
    const url = this.endpoint.url(resuming ? this.lastSeq : null, since)
    if (resuming) {
      this.resumes.push({ after: this.lastSeq, since, lastRevs: this.recentRevs })
      if (this.resumes.length > 500) this.resumes.shift()
    }
    // perMessageDeflate off: workerd does not negotiate it and it would cost generator CPU.
    const ws = new WebSocket(url, {
      headers: this.endpoint.headers,
      perMessageDeflate: false,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    })
    this.ws = ws
    this.connectionRev = -1
    this.replaying = false
    this.replayRev = -1
    this.recentRevs = []
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
    ws.on('close', (code: number, reason: Buffer) => {
      if (this.ws !== ws) return
      const wasReady = this.isReady
      this.isReady = false
      this.counters.countClose(code)
      if (this.finished) return
      if (wasReady) this.attempts = 0
      // 1013: the server is up but overloaded, and said when to come back (ADR 012).
      this.retryAfterS = code === 1013 ? retryAfterOf(reason.toString()) : null
      const probe = !wasReady && code !== 1013 ? this.prepare : null
      if (!probe) return this.retry()
      this.ws = null
      probe().then(
        () => this.retry(),
        () => this.retry(),
      )
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
      this.noteRev(message.seq, message.rev)
      this.observer?.(message, 'message')
      this.sink.message(message)
      return
    }
    if (frame.type === 'update') {
      const message = (frame as unknown as { message: Message }).message
      this.noteRev(message.seq, message.rev)
      this.observer?.(message, 'update')
      this.sink.frame(frame)
      return
    }
    if (frame.type === this.firstFrame && !this.isReady) {
      this.isReady = true
      this.readyAt = performance.now()
      this.attempts = 0
      if (frame.type === 'ready') {
        const ready = frame as unknown as ReadyFrame
        this.lastReady = ready
        if (this.lastSeq < 0) this.lastSeq = ready.lastSeq
        // The references send no lastRev.
        const lastRev = typeof ready.lastRev === 'number' ? ready.lastRev : 0
        if (this.lastRev < 0) this.lastRev = lastRev
        else if (lastRev < this.lastRev) this.revRewinds++
        if (resumed && this.policy.since && this.ws) {
          this.replaying = true
          this.ws.send(REPLAY_PING)
        }
        this.sink.ready(ready, resumed)
      } else this.sink.frame(frame)
      if (this.opened) {
        this.opened.resolve()
        this.opened = null
      }
      return
    }
    // The room answers pings in order: the first pong after a resumed `ready` is ours.
    if (frame.type === 'pong' && this.replaying) {
      this.replaying = false
      if (this.replayRev > this.lastRev) this.lastRev = this.replayRev
      return
    }
    if (frame.type === 'error') this.counters.countErrorFrame(String(frame.code))
    this.sink.frame(frame)
  }

  /**
   * A replay sends its updates in seq order, not rev order (CONTRACT.md), so its revs count
   * toward `since` only once it is complete; a connection lost halfway resumes from before it.
   * Live frames move `since` at once: the highest rev seen.
   */
  private noteRev(seq: number, rev: number): void {
    // Load runs neither resume changes nor report on them: the hot path stays lean.
    if (!this.policy.since) {
      if (rev > this.lastRev) this.lastRev = rev
      return
    }
    this.recentRevs.push(rev)
    if (this.recentRevs.length > 6) this.recentRevs.shift()
    const news = rev > (this.revBySeq.get(seq) ?? -1)
    if (news) this.revBySeq.set(seq, rev)
    if (rev > this.connectionRev) {
      this.connectionRev = rev
    } else if (news && !this.replaying && rev < this.connectionRev) this.revInversions++
    if (this.replaying) {
      if (rev > this.replayRev) this.replayRev = rev
    } else if (rev > this.lastRev) this.lastRev = rev
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
    const told = this.retryAfterS
    this.retryAfterS = null
    const delay =
      told !== null
        ? retryAfterDelay(told)
        : this.policy.clientBackoff
          ? backoffDelay(this.attempts)
          : ceiling / 2 + Math.random() * (ceiling / 2)
    // A 1013 is not a failed attempt: the server answered, and set the wait itself.
    if (told === null) this.attempts++
    if (this.opened === null) this.counters.reconnects++
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.connect()
    }, delay)
  }
}
