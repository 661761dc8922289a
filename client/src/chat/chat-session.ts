// One conversation's live link: history, the chat socket, the outgoing queue, read receipts,
// typing and `viewing`. Sessions are shared through a small registry, so a conversation with
// unsent messages keeps trying after the person has moved on to another one.
import { batch } from 'solid-js'
import { MAX_REPLAY_MESSAGES, type ServerFrame } from '../../../protocol/frames.ts'
import { ApiError } from '../api.ts'
import { clearSession } from '../session.ts'
import { fetchHistory } from './chat-api.ts'
import { type ConversationStore, createConversationStore, messageKey } from './conversation-store.ts'
import { createLiveSocket, type LiveSocket, StopError, wsUrl } from './live-socket.ts'
import { loadOutbox, type OutgoingMessage, saveOutbox } from './outbox.ts'
import { isAttentive, onAttentionChange } from './page-attention.ts'
import { rememberPeer } from './peers.ts'

/** At most one typing frame this often while someone types. */
export const TYPING_SEND_INTERVAL_MS = 2_000
/** The server relays at most one typing frame a second; sooner ones are dropped. */
const TYPING_RELAY_GAP_MS = 1_500
/** How long "typing…" shows after the peer's last typing frame. */
export const TYPING_SHOW_MS = 3_000
/** Idle sessions kept (store and all) for instant return; their sockets are closed. */
const IDLE_SESSIONS_KEPT = 8
/** Resends after a reconnect are paced below the server's frame rate (20/s, burst 60). */
const SEND_BURST = 20
const SEND_REFILL_PER_S = 10
const RATE_LIMITED_RETRY_MS = 1_500

export interface ChatSession {
  readonly peerId: string
  readonly store: ConversationStore
  readonly socket: LiveSocket
  send(body: string): void
  /** The person has seen the peer's messages up to `seq`. */
  markRead(seq: number): void
  typing(): void
  loadOlder(): Promise<void>
  /** Try a failed message again (same clientId), or drop it. */
  retry(key: string): void
  discard(key: string): void
  /** Whether this conversation is the one on screen (with attention, that makes `viewing`). */
  setOnScreen(onScreen: boolean): void
}

interface Entry {
  session: ChatSession
  users: number
  dispose(): void
  idle(): boolean
  wake(): void
  sleep(): void
}

function problemText(err: unknown): string {
  return err instanceof ApiError ? err.problem.detail : 'Something went wrong. Please try again.'
}

/** Maps a failed history request to what the socket should do next. */
function stopFor(err: unknown): StopError | null {
  if (!(err instanceof ApiError)) return null
  if (err.status === 401) return new StopError('session-ended', err.problem.detail)
  if (err.status === 404) return new StopError('gone', 'There is nobody with this address on Parley.')
  if (err.status === 400) return new StopError('gone', err.problem.detail)
  if (err.status === 403) return new StopError('forbidden', err.problem.detail)
  return null
}

function createSession(me: string, peerId: string): Entry {
  const store = createConversationStore(peerId)
  const { state, setState } = store
  let outbox: OutgoingMessage[] = loadOutbox(me, peerId)
  let onScreen = false
  let sentViewing: boolean | null = null
  let openedViewing = true
  let sentRead = 0
  let wantRead = 0
  let lastTypingSent = 0
  let lastMessageSent = 0
  let typingTimer: ReturnType<typeof setTimeout> | undefined
  let tokens = SEND_BURST
  let tokensAt = Date.now()
  let pumpTimer: ReturnType<typeof setTimeout> | undefined
  let wake = () => {}

  for (const m of outbox) {
    store.addPending(
      { key: messageKey(me, m.clientId), clientId: m.clientId, senderId: me, body: m.body, sentAt: m.createdAt },
      'queued',
    )
  }

  const socket = createLiveSocket({
    // A socket opened while this conversation is not being looked at says so in the upgrade,
    // so no message can arrive un-notified before its first viewing frame.
    url: () => {
      openedViewing = isViewing()
      const hidden = openedViewing ? '' : '&viewing=false'
      return wsUrl(`/api/conversations/${encodeURIComponent(peerId)}/ws?after=${store.lastSeq()}${hidden}`)
    },
    prepare: async (afterFailure) => {
      try {
        if (!state.historyLoaded) await loadNewest()
        // A handshake that failed tells us nothing; the same route over HTTP says whether
        // the session or the person is gone.
        else if (afterFailure) await fetchHistory(peerId, null, 1)
      } catch (err) {
        throw stopFor(err) ?? err
      }
    },
    onFrame: (frame) => onFrame(frame as ServerFrame),
    onClose: () => {
      batch(() => {
        setState('ready', false)
        setState('peerTyping', false)
        // Not acknowledged: sent again, with the same clientId, once the socket is back.
        for (const m of state.messages)
          if (m.seq === null && m.status === 'sending') store.setPendingStatus(m.key, 'queued')
      })
    },
    onStop: (reason, detail) => {
      if (reason === 'session-ended') clearSession('expired')
      else setState('fatal', detail)
    },
  })

  async function loadNewest(): Promise<void> {
    const page = await fetchHistory(peerId, null)
    batch(() => {
      store.mergeMessages(page.messages)
      store.mergeNotices(page.notices ?? [])
      setState({ hasMore: page.hasMore, historyLoaded: true })
    })
  }

  function sendFrame(frame: object): boolean {
    return socket.send(JSON.stringify(frame))
  }

  function onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'ready':
        onReady(frame)
        return
      case 'message': {
        const m = frame.message
        batch(() => {
          const fromPeer = m.senderId !== me
          store.mergeMessages([m])
          if (fromPeer) {
            clearTimeout(typingTimer)
            setState('peerTyping', false)
          } else forgetOutgoing(m.clientId)
        })
        return
      }
      case 'read':
        if (frame.userId === me) setState('myReadUpTo', (v) => Math.max(v, frame.upTo))
        else setState('peerReadUpTo', (v) => Math.max(v, frame.upTo))
        return
      case 'typing':
        if (frame.userId === me) return
        setState('peerTyping', true)
        clearTimeout(typingTimer)
        typingTimer = setTimeout(() => setState('peerTyping', false), TYPING_SHOW_MS)
        return
      case 'notice':
        store.mergeNotices([frame.notice])
        return
      case 'error':
        onError(frame)
        return
      case 'pong':
        return
    }
  }

  function onReady(frame: Extract<ServerFrame, { type: 'ready' }>): void {
    rememberPeer(frame.peer)
    batch(() => {
      const after = store.lastSeq()
      // The replay holds only the newest 1,000: past that, start from the replay and let
      // older messages come from history as the person scrolls up.
      if (frame.lastSeq - after > MAX_REPLAY_MESSAGES) {
        store.dropAcknowledged()
        setState('hasMore', true)
      }
      setState({
        peer: frame.peer,
        ready: true,
        fatal: null,
        myReadUpTo: Math.max(state.myReadUpTo, frame.readUpTo[me] ?? 0),
        peerReadUpTo: Math.max(state.peerReadUpTo, frame.readUpTo[peerId] ?? 0),
      })
    })
    // The upgrade told the server whether this socket starts out viewing; correct it if that changed since.
    sentViewing = openedViewing
    syncViewing()
    sentRead = state.myReadUpTo
    flushRead()
    pump()
  }

  function onError(frame: Extract<ServerFrame, { type: 'error' }>): void {
    const key = frame.clientId ? messageKey(me, frame.clientId) : null
    const pending = key ? state.messages.find((m) => m.key === key && m.seq === null) : undefined
    if (!pending) return
    if (frame.code === 'rate-limited') {
      store.setPendingStatus(pending.key, 'queued')
      clearTimeout(pumpTimer)
      pumpTimer = setTimeout(pump, RATE_LIMITED_RETRY_MS)
      return
    }
    // The server refused this message for good (empty, too long, malformed): keep it on
    // screen with the reason, but stop sending it.
    store.setPendingStatus(pending.key, 'failed', frame.message)
    forgetOutgoing(pending.clientId)
  }

  function forgetOutgoing(clientId: string): void {
    const before = outbox.length
    outbox = outbox.filter((m) => m.clientId !== clientId)
    if (outbox.length === before) return
    saveOutbox(me, peerId, outbox)
    // A conversation kept open only to deliver its queue can close now.
    if (outbox.length === 0) queueMicrotask(trim)
  }

  /** Sends queued messages in order, paced by a small token bucket. */
  function pump(): void {
    clearTimeout(pumpTimer)
    pumpTimer = undefined
    if (!state.ready) return
    const now = Date.now()
    tokens = Math.min(SEND_BURST, tokens + ((now - tokensAt) / 1000) * SEND_REFILL_PER_S)
    tokensAt = now
    for (const m of state.messages) {
      if (m.seq !== null || m.status !== 'queued') continue
      if (tokens < 1) {
        pumpTimer = setTimeout(pump, 1000 / SEND_REFILL_PER_S)
        return
      }
      if (!sendFrame({ type: 'send', clientId: m.clientId, body: m.body })) return
      tokens -= 1
      store.setPendingStatus(m.key, 'sending')
    }
  }

  function isViewing(): boolean {
    return onScreen && isAttentive()
  }

  function syncViewing(): void {
    const viewing = isViewing()
    if (!state.ready || sentViewing === viewing) return
    if (sendFrame({ type: 'viewing', active: viewing })) sentViewing = viewing
  }

  function flushRead(): void {
    if (!state.ready || wantRead <= sentRead || wantRead <= state.myReadUpTo) return
    if (sendFrame({ type: 'read', upTo: wantRead })) sentRead = wantRead
  }

  const stopAttention = onAttentionChange(() => syncViewing())

  const session: ChatSession = {
    peerId,
    store,
    socket,
    send(body) {
      const clientId = crypto.randomUUID()
      const createdAt = new Date().toISOString()
      outbox = [...outbox, { clientId, body, createdAt }]
      saveOutbox(me, peerId, outbox)
      lastMessageSent = Date.now()
      store.addPending({ key: messageKey(me, clientId), clientId, senderId: me, body, sentAt: createdAt }, 'queued')
      wake()
      pump()
    },
    markRead(seq) {
      if (seq <= wantRead) return
      wantRead = seq
      flushRead()
    },
    typing() {
      const now = Date.now()
      // A message ends a burst of typing (the peer hides "typing…" when it arrives): the
      // next keystroke may say so again as soon as the server would relay it.
      const wait = lastMessageSent > lastTypingSent ? TYPING_RELAY_GAP_MS : TYPING_SEND_INTERVAL_MS
      if (!state.ready || now - lastTypingSent < wait) return
      if (sendFrame({ type: 'typing' })) lastTypingSent = now
    },
    async loadOlder() {
      const before = store.firstSeq()
      if (state.loadingOlder || !state.hasMore || before === null) return
      setState({ loadingOlder: true, olderProblem: null })
      try {
        const page = await fetchHistory(peerId, before)
        batch(() => {
          store.mergeMessages(page.messages)
          store.mergeNotices(page.notices ?? [])
          setState({ hasMore: page.hasMore, loadingOlder: false })
        })
      } catch (err) {
        setState({ loadingOlder: false, olderProblem: problemText(err) })
      }
    },
    retry(key) {
      const m = state.messages.find((x) => x.key === key && x.seq === null)
      if (!m) return
      if (!outbox.some((o) => o.clientId === m.clientId)) {
        outbox = [...outbox, { clientId: m.clientId, body: m.body, createdAt: m.sentAt }]
        saveOutbox(me, peerId, outbox)
      }
      store.setPendingStatus(key, 'queued')
      wake()
      pump()
    },
    discard(key) {
      const m = state.messages.find((x) => x.key === key && x.seq === null)
      if (!m) return
      forgetOutgoing(m.clientId)
      store.removePending(key)
    },
    setOnScreen(value) {
      onScreen = value
      syncViewing()
    },
  }

  const entry: Entry = {
    session,
    users: 0,
    idle: () => entry.users === 0 && outbox.length === 0,
    wake() {
      if (socket.state() === 'stopped' && !state.fatal) socket.start()
    },
    sleep() {
      socket.stop()
      setState('ready', false)
    },
    dispose() {
      stopAttention()
      clearTimeout(typingTimer)
      clearTimeout(pumpTimer)
      socket.stop()
    },
  }
  wake = () => {
    entry.wake()
  }
  return entry
}

// ---- registry ----

let owner: string | null = null
const entries = new Map<string, Entry>()

function trim(): void {
  const idle = [...entries.entries()].filter(([, e]) => e.idle())
  for (const [, e] of idle) e.sleep()
  // Map order is insertion order; acquire() re-inserts, so the first idle ones are the oldest.
  for (const [peerId, e] of idle.slice(0, Math.max(0, idle.length - IDLE_SESSIONS_KEPT))) {
    e.dispose()
    entries.delete(peerId)
  }
}

function entryFor(me: string, peerId: string): Entry {
  if (owner !== me) disposeAllChats()
  owner = me
  let entry = entries.get(peerId)
  if (entry) entries.delete(peerId)
  else entry = createSession(me, peerId)
  entries.set(peerId, entry)
  return entry
}

/** The session for a conversation on screen; call release() when it leaves the screen. */
export function acquireChat(me: string, peerId: string): { session: ChatSession; release: () => void } {
  const entry = entryFor(me, peerId)
  entry.users++
  entry.wake()
  let released = false
  return {
    session: entry.session,
    release() {
      if (released) return
      released = true
      entry.users--
      entry.session.setOnScreen(false)
      trim()
    },
  }
}

/** Starts sockets for conversations with messages left unsent by an earlier page of this tab. */
export function resumeOutboxes(me: string, peerIds: string[]): void {
  for (const peerId of peerIds) {
    const entry = entryFor(me, peerId)
    if (!entry.idle()) entry.wake()
  }
  trim()
}

/** Signing out, or another person signing in: nothing of the last one survives. */
export function disposeAllChats(): void {
  for (const e of entries.values()) e.dispose()
  entries.clear()
  owner = null
}
