// One conversation's live link: history, the chat socket, the outgoing queue (messages with
// their files, and edits, deletions and reactions), read receipts, delivery, typing and
// `viewing`. Sessions are shared through a small registry, so a conversation with unsent work
// keeps trying after the person has moved on to another one.
import { batch } from 'solid-js'
import type { Attachment, Message } from '../../../protocol/api.ts'
import { MAX_REPLAY_MESSAGES, PING_FRAME, type ServerFrame } from '../../../protocol/frames.ts'
import { ApiError } from '../api.ts'
import { createKeptMessages } from '../offline/kept-messages.ts'
import { clearSession, session as signedIn } from '../session.ts'
import { fetchHistory } from './chat-api.ts'
import { allUploaded, createConversationFiles, forgetLocalPreviews } from './conversation-files.ts'
import { type ConversationStore, createConversationStore, messageKey } from './conversation-store.ts'
import { dropAccountDrafts } from './drafts.ts'
import { dropAllFiles, sweepFiles } from './file-store.ts'
import { createLiveSocket, type LiveSocket, StopError, wsUrl } from './live-socket.ts'
import {
  type ChangeRequest,
  describeChangeError,
  isInEffect,
  type PendingChange,
  queueChange,
  quoteOf,
} from './message-changes.ts'
import {
  dropAccountOutbox,
  dropOutboxItems,
  keepOutboxItems,
  loadOutbox,
  nextOutboxOrder,
  type OutboxItem,
  type OutgoingFile,
  onOutboxChange,
  outboxItemId,
  peersWithOutbox,
  type StoredOutboxItem,
} from './outbox.ts'
import { createOutboxOwner } from './outbox-owner.ts'
import { isAttentive, onAttentionChange } from './page-attention.ts'
import { rememberPeer } from './peers.ts'
import { RevCursor } from './rev-cursor.ts'
import { setUnsent } from './unsent-warning.ts'

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
  /**
   * Sends a message with the files chosen for it (store: drafts), as a reply to the one the
   * composer is answering (store: replyingTo). It goes once its files are uploaded.
   */
  send(body: string): void
  /** Chooses files for the next message; store: attachProblem says why, when some were refused. */
  attach(files: readonly File[]): void
  /** Takes a file out of the next message (its upload stops). */
  removeFile(localId: string): void
  edit(seq: number, body: string): void
  deleteMessage(seq: number): void
  react(seq: number, emoji: string, on: boolean): void
  /** The composer answers this message (null: no longer). */
  replyTo(seq: number | null): void
  /** Loads older pages until the message with `seq` is here; false if it cannot be. */
  loadUntil(seq: number): Promise<boolean>
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
  /** Reads the queue again from IndexedDB (another tab changed it). */
  sync(): void
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
  // Offline, the conversation opens with the messages this device last saw.
  const kept = createKeptMessages(me, peerId, store)
  if (!navigator.onLine) kept.show()
  // A mirror of this conversation's queue in IndexedDB (outbox.ts), empty until the first
  // load: nothing is shown or sent from a queue this tab has not read yet.
  let outbox: OutboxItem[] = []
  const orders = new Map<string, number>()
  let loaded = false
  let disposed = false
  /** This tab's writes to the stored queue, in order; a reload of the queue waits for them. */
  let writes: Promise<void> = Promise.resolve()
  /** Items IndexedDB refused (quota, private mode): they live in this tab's memory only. */
  const memoryOnly = new Set<string>()
  /**
   * Messages of another tab whose files are still to upload: shown only once this tab sends the
   * queue, since showing them restores their files, which starts uploading them a second time.
   */
  const unshown = new Set<string>()
  const owner = createOutboxOwner(me, peerId, {
    // The queue may have changed while another tab sent: read it again before sending any of it.
    granted: async () => {
      await sync()
      pump()
    },
    lost: () => {},
  })
  const revs = new RevCursor()
  /** The `after` of the current connection's upgrade. */
  let openedAfter = 0
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
  const files = createConversationFiles(store, peerId, {
    uploaded: (clientId, localId, attachment) => recordUpload(clientId, localId, attachment),
    failed: (clientId, problem) => {
      const key = messageKey(me, clientId)
      if (!state.messages.some((m) => m.key === key && m.seq === null)) return
      store.setPendingStatus(key, 'failed', problem)
      forgetOutgoing(clientId)
    },
    sessionEnded: () => clearSession('expired'),
  })

  /** Shows a queued item from IndexedDB (written by an earlier page, or another tab) as waiting. */
  function show(item: OutboxItem): void {
    if (item.kind === 'change') {
      setState('changes', (list) => [
        ...list,
        { id: item.id, change: item.change, createdAt: item.createdAt, status: 'queued' },
      ])
      return
    }
    store.addPending(
      {
        key: messageKey(me, item.clientId),
        clientId: item.clientId,
        senderId: me,
        body: item.body,
        sentAt: item.createdAt,
        ...(item.replyTo ? { replyTo: item.replyTo } : {}),
        ...(item.attachments ? { files: files.restore(item.clientId, item.attachments) } : {}),
      },
      'queued',
    )
  }

  /** Makes the in-memory queue what IndexedDB holds, once this tab's own writes are in. */
  async function sync(): Promise<void> {
    let read: StoredOutboxItem[] | null
    for (;;) {
      const before = writes
      await before
      read = await loadOutbox(me, peerId)
      if (disposed) return
      // A write queued while reading may be missing from what was read: read again.
      if (writes === before) break
    }
    if (read === null) {
      // No IndexedDB: what this tab holds is all there is.
      loaded = true
      outboxChanged()
      return
    }
    const orderOf = (item: OutboxItem) => orders.get(outboxItemId(item)) ?? Number.POSITIVE_INFINITY
    const readIds = new Set(read.map((r) => outboxItemId(r.item)))
    const unstored = outbox.filter((item) => memoryOnly.has(outboxItemId(item)) && !readIds.has(outboxItemId(item)))
    const stored = [...read, ...unstored.map((item) => ({ item, order: orderOf(item) }))].sort(
      (x, y) => x.order - y.order,
    )
    const storedIds = new Set(stored.map((s) => outboxItemId(s.item)))
    const known = new Set(outbox.map(outboxItemId))
    batch(() => {
      // Gone from the store: another tab had it acknowledged (its frame reaches this one too), or discarded it.
      for (const item of outbox) {
        if (storedIds.has(outboxItemId(item))) continue
        orders.delete(outboxItemId(item))
        unshown.delete(outboxItemId(item))
        if (item.kind === 'change') setState('changes', (list) => list.filter((c) => c.id !== item.id))
      }
      const next: OutboxItem[] = []
      for (const { item, order } of stored) {
        const id = outboxItemId(item)
        orders.set(id, order)
        if (!known.has(id) || unshown.has(id)) {
          // Already acknowledged here (this tab's socket got its frame first): nothing to send.
          if (item.kind === 'send' && state.messages.some((m) => m.clientId === item.clientId && m.seq !== null)) {
            unshown.delete(id)
            continue
          }
          const uploading = item.kind === 'send' && item.attachments?.some((f) => !f.attachment)
          if (uploading && !owner.owns()) unshown.add(id)
          else {
            unshown.delete(id)
            show(item)
          }
        }
        next.push(item)
      }
      outbox = next
      loaded = true
    })
    outboxChanged()
    if (outbox.length > 0) wake()
  }

  /** After any change to the queue: whether this tab asks to send it, and warns before closing. */
  function outboxChanged(): void {
    if (disposed) return
    owner.want(loaded && outbox.length > 0)
    setUnsent(peerId, outbox.length > 0)
    // A conversation kept open only to deliver its queue can close now.
    if (outbox.length === 0) queueMicrotask(trim)
  }

  function persist(work: () => Promise<void>): void {
    writes = writes.then(work, work)
  }

  function keepItems(items: OutboxItem[]): void {
    const rows = items.map((item) => {
      const id = outboxItemId(item)
      const order = orders.get(id) ?? nextOutboxOrder()
      orders.set(id, order)
      return { item, order }
    })
    persist(async () => {
      const ok = await keepOutboxItems(me, peerId, rows)
      for (const { item } of rows) {
        if (ok) memoryOnly.delete(outboxItemId(item))
        else memoryOnly.add(outboxItemId(item))
      }
    })
  }

  function dropItems(ids: string[]): void {
    for (const id of ids) {
      orders.delete(id)
      memoryOnly.delete(id)
    }
    persist(() => dropOutboxItems(me, peerId, ids))
  }

  const socket = createLiveSocket({
    // A socket opened while this conversation is not being looked at says so in the upgrade,
    // so no message can arrive un-notified before its first viewing frame.
    url: () => {
      openedViewing = isViewing()
      openedAfter = store.lastSeq()
      const hidden = openedViewing ? '' : '&viewing=false'
      const query = `after=${openedAfter}&since=${revs.since()}${hidden}`
      return wsUrl(`/api/conversations/${encodeURIComponent(peerId)}/ws?${query}`)
    },
    prepare: async (afterFailure) => {
      try {
        if (!state.historyLoaded) await loadNewest()
        // A handshake that failed tells us nothing; the same route over HTTP says whether
        // the session or the person is gone.
        else if (afterFailure) await fetchHistory(peerId, null, 1)
      } catch (err) {
        // The server cannot be reached (the browser may not know it is offline).
        if (err instanceof ApiError && err.status === 0 && !state.historyLoaded) kept.show()
        throw stopFor(err) ?? err
      }
    },
    onFrame: (frame) => onFrame(frame as ServerFrame),
    onClose: () => {
      revs.closed()
      batch(() => {
        setState('ready', false)
        setState('peerTyping', false)
        // Not acknowledged: sent again, with the same clientId, once the socket is back.
        for (const m of state.messages)
          if (m.seq === null && m.status === 'sending') store.setPendingStatus(m.key, 'queued')
        // Not confirmed either: the replay says whether they were made; the rest go again.
        setState('changes', (c) => c.status === 'sending', 'status', 'queued')
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
      // What the device kept was a stand-in: the server's page is the conversation now.
      if (kept.shown()) {
        store.dropAcknowledged()
        kept.replaced()
      }
      // Into an empty conversation the newest page is the current state of what it holds.
      if (store.lastSeq() === 0) revs.seed(page.messages.map((m) => m.rev ?? 0))
      store.mergeMessages(page.messages)
      store.mergeNotices(page.notices ?? [])
      setState({ hasMore: page.hasMore, historyLoaded: true })
    })
    kept.keep()
  }

  function sendFrame(frame: object): boolean {
    return socket.send(JSON.stringify(frame))
  }

  function onFrame(frame: ServerFrame): void {
    const replaying = revs.replaying()
    applyFrame(frame)
    // What was queued goes once the replay is in: it may show some of it already made.
    if (replaying && !revs.replaying()) pump()
  }

  function applyFrame(frame: ServerFrame): void {
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
          } else {
            forgetOutgoing(m.clientId)
            files.settle(m.clientId)
          }
        })
        revs.received('message', m.seq, m.rev ?? 0)
        kept.keep()
        return
      }
      case 'update':
        batch(() => {
          store.applyUpdate(frame.message)
          settleChanges(frame.message)
        })
        revs.received('update', frame.message.seq, frame.message.rev ?? 0)
        kept.keep()
        return
      case 'read':
        if (frame.userId === me) setState('myReadUpTo', (v) => Math.max(v, frame.upTo))
        else if (state.readReceipts) setState('peerReadUpTo', (v) => Math.max(v, frame.upTo))
        return
      case 'delivered':
        if (frame.userId !== me) setState('peerDeliveredUpTo', (v) => Math.max(v, frame.upTo))
        return
      case 'receipts':
        // Switched off, the peer's read position is 0 again: it can go down, unlike `read`.
        setState({
          readReceipts: frame.readReceipts,
          peerReadUpTo: frame.readUpTo[peerId] ?? 0,
          myReadUpTo: Math.max(state.myReadUpTo, frame.readUpTo[me] ?? 0),
        })
        return
      case 'blocked':
        setState('blocked', frame.blocked)
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
        revs.replayOver()
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
      const readReceipts = frame.readReceipts !== false
      const peerRead = frame.readUpTo[peerId] ?? 0
      const editWindow = frame.editWindowSeconds
      const maxBytes = frame.maxAttachmentBytes
      setState({
        maxAttachmentBytes: typeof maxBytes === 'number' && maxBytes > 0 ? maxBytes : state.maxAttachmentBytes,
        editWindowMs: typeof editWindow === 'number' && editWindow > 0 ? editWindow * 1000 : state.editWindowMs,
        peer: frame.peer,
        ready: true,
        readyLastSeq: frame.lastSeq,
        fatal: null,
        myReadUpTo: Math.max(state.myReadUpTo, frame.readUpTo[me] ?? 0),
        readReceipts,
        blocked: frame.blocked ?? 'none',
        peerReadUpTo: readReceipts ? Math.max(state.peerReadUpTo, peerRead) : peerRead,
        peerDeliveredUpTo: Math.max(state.peerDeliveredUpTo, frame.deliveredUpTo?.[peerId] ?? 0),
      })
    })
    revs.ready(openedAfter, frame.lastSeq, frame.lastRev ?? 0)
    // The answer to this ping comes after the whole replay: then `since` may move on.
    if (revs.replaying()) socket.send(PING_FRAME)
    // The upgrade told the server whether this socket starts out viewing; correct it if that changed since.
    sentViewing = openedViewing
    syncViewing()
    sentRead = state.myReadUpTo
    flushRead()
    if (!revs.replaying()) pump()
  }

  function onError(frame: Extract<ServerFrame, { type: 'error' }>): void {
    if (frame.seq !== undefined && !frame.clientId) {
      onChangeError(frame, frame.seq)
      return
    }
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

  /** A change the server refused: it is dropped, and the person told why. */
  function onChangeError(frame: Extract<ServerFrame, { type: 'error' }>, seq: number): void {
    // Frames are answered in order: the oldest one on the wire for this message is the one refused.
    const change = state.changes.find((c) => c.change.seq === seq && c.status === 'sending')
    if (!change) return
    if (frame.code === 'rate-limited') {
      setState('changes', (c) => c.id === change.id, 'status', 'queued')
      clearTimeout(pumpTimer)
      pumpTimer = setTimeout(pump, RATE_LIMITED_RETRY_MS)
      return
    }
    batch(() => {
      forgetChange(change.id)
      const target = store.messageBySeq(seq)
      setState(
        'actionProblem',
        describeChangeError(change.change, frame.code, frame.message, target, state.editWindowMs),
      )
    })
  }

  /** Changes the new state of a message shows are done, whether they were sent or still waiting. */
  function settleChanges(m: Message): void {
    for (const c of [...state.changes]) if (c.change.seq === m.seq && isInEffect(c.change, m, me)) forgetChange(c.id)
  }

  /** A file of a queued message is uploaded: the outbox remembers it (a reload need not upload it again). */
  function recordUpload(clientId: string, localId: string, attachment: Attachment): void {
    let changed: OutboxItem | null = null
    outbox = outbox.map((item) => {
      if (item.kind !== 'send' || item.clientId !== clientId || !item.attachments) return item
      changed = {
        ...item,
        attachments: item.attachments.map((f) => (f.localId === localId ? { ...f, attachment } : f)),
      }
      return changed
    })
    if (!changed) return
    keepItems([changed])
    pump()
  }

  function forgetOutgoing(clientId: string): void {
    const before = outbox.length
    outbox = outbox.filter((m) => m.kind !== 'send' || m.clientId !== clientId)
    if (outbox.length === before) return
    dropItems([clientId])
    outboxChanged()
  }

  function forgetChange(id: string): void {
    setState('changes', (list) => list.filter((c) => c.id !== id))
    const before = outbox.length
    outbox = outbox.filter((m) => m.kind !== 'change' || m.id !== id)
    if (outbox.length === before) return
    dropItems([id])
    outboxChanged()
  }

  function queue(change: ChangeRequest): void {
    const next: PendingChange = {
      id: crypto.randomUUID(),
      change,
      createdAt: new Date().toISOString(),
      status: 'queued',
    }
    const changes = queueChange(state.changes, next)
    const stillQueued = new Set(changes.map((c) => c.id))
    batch(() => {
      setState({ changes, actionProblem: null })
      // A change that undoes a queued one replaces it (queueChange): the older one goes from the store too.
      const replaced = outbox.filter((m) => m.kind === 'change' && !stillQueued.has(m.id)).map(outboxItemId)
      outbox = outbox.filter((m) => m.kind !== 'change' || stillQueued.has(m.id))
      if (replaced.length > 0) dropItems(replaced)
      if (stillQueued.has(next.id)) {
        const item: OutboxItem = { kind: 'change', id: next.id, change, createdAt: next.createdAt }
        outbox = [...outbox, item]
        keepItems([item])
      }
      outboxChanged()
    })
    wake()
    pump()
  }

  /**
   * The frame for one outbox item, null when it is not waiting to go (or need not go at all), or
   * 'uploading' for a message whose files are not all on the server yet.
   */
  function frameFor(item: OutboxItem): { frame: object; sent: () => void } | 'uploading' | null {
    if (item.kind === 'send') {
      const key = messageKey(me, item.clientId)
      const m = state.messages.find((x) => x.key === key && x.seq === null)
      if (m?.status !== 'queued') return null
      if (!allUploaded(m.files)) return 'uploading'
      const replyTo = item.replyTo ? { replyTo: item.replyTo.seq } : {}
      const ids = (m.files ?? []).map((f) => f.attachment!.id)
      return {
        frame: {
          type: 'send',
          clientId: m.clientId,
          body: m.body,
          ...replyTo,
          ...(ids.length ? { attachments: ids } : {}),
        },
        sent: () => store.setPendingStatus(key, 'sending'),
      }
    }
    const c = state.changes.find((x) => x.id === item.id)
    if (c?.status !== 'queued') return null
    const target = store.messageBySeq(c.change.seq)
    // Already so (another tab, or the replay showed it made): nothing to send.
    if (target && isInEffect(c.change, target, me)) {
      forgetChange(c.id)
      return null
    }
    return { frame: c.change, sent: () => setState('changes', (x) => x.id === c.id, 'status', 'sending') }
  }

  /** Sends queued messages and changes in the order they were made, paced by a small token bucket. */
  function pump(): void {
    clearTimeout(pumpTimer)
    pumpTimer = undefined
    // Only the tab holding the conversation's lock sends (outbox-owner.ts).
    if (!state.ready || revs.replaying() || !owner.owns()) return
    const now = Date.now()
    tokens = Math.min(SEND_BURST, tokens + ((now - tokensAt) / 1000) * SEND_REFILL_PER_S)
    tokensAt = now
    // Messages keep their order: one still uploading holds back those written after it (changes go on).
    let holding = false
    for (const item of outbox) {
      if (holding && item.kind === 'send') continue
      const next = frameFor(item)
      if (next === 'uploading') holding = true
      if (!next || next === 'uploading') continue
      if (tokens < 1) {
        pumpTimer = setTimeout(pump, 1000 / SEND_REFILL_PER_S)
        return
      }
      if (!sendFrame(next.frame)) return
      tokens -= 1
      next.sent()
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
    attach(chosen) {
      setState('attachProblem', files.attach(chosen))
    },
    removeFile(localId) {
      files.remove(localId)
    },
    send(body) {
      const clientId = crypto.randomUUID()
      const createdAt = new Date().toISOString()
      const original = state.replyingTo === null ? undefined : store.messageBySeq(state.replyingTo)
      // A reply to a message deleted meanwhile goes as a plain message (the server would refuse it).
      const replyTo =
        original && original.seq !== null && !original.deletedAt
          ? quoteOf({ ...original, seq: original.seq })
          : undefined
      const taken = files.take(clientId)
      const attachments = taken.length > 0 ? { attachments: taken.map(outgoingFile) } : {}
      const item: OutboxItem = {
        kind: 'send',
        clientId,
        body,
        createdAt,
        ...(replyTo ? { replyTo } : {}),
        ...attachments,
      }
      outbox = [...outbox, item]
      keepItems([item])
      outboxChanged()
      lastMessageSent = Date.now()
      batch(() => {
        store.addPending(
          {
            key: messageKey(me, clientId),
            clientId,
            senderId: me,
            body,
            sentAt: createdAt,
            ...(replyTo ? { replyTo } : {}),
            ...(taken.length > 0 ? { files: taken } : {}),
          },
          'queued',
        )
        setState({ replyingTo: null, attachProblem: null })
      })
      wake()
      pump()
    },
    edit(seq, body) {
      queue({ type: 'edit', seq, body: body.trim() })
    },
    deleteMessage(seq) {
      queue({ type: 'delete', seq })
      if (state.replyingTo === seq) setState('replyingTo', null)
    },
    react(seq, emoji, on) {
      queue({ type: 'react', seq, emoji, on })
    },
    replyTo(seq) {
      setState('replyingTo', seq)
    },
    async loadUntil(seq) {
      for (;;) {
        const first = store.firstSeq()
        if (first !== null && first <= seq) return store.messageBySeq(seq) !== undefined
        if (!state.hasMore) return false
        await session.loadOlder()
        // A failed page (or one already loading elsewhere that made no progress) ends the search.
        if (state.olderProblem || store.firstSeq() === first) {
          if (!state.loadingOlder) return false
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      }
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
      const again = files.retry(m.clientId)
      if (!again.ok) {
        store.setPendingStatus(key, 'failed', again.problem)
        return
      }
      if (!outbox.some((o) => o.kind === 'send' && o.clientId === m.clientId)) {
        const replyTo = m.replyTo ? { replyTo: { ...m.replyTo } } : {}
        const attachments = m.files?.length ? { attachments: m.files.map(outgoingFile) } : {}
        const item: OutboxItem = {
          kind: 'send',
          clientId: m.clientId,
          body: m.body,
          createdAt: m.sentAt,
          ...replyTo,
          ...attachments,
        }
        outbox = [...outbox, item]
        keepItems([item])
        outboxChanged()
      }
      store.setPendingStatus(key, 'queued')
      wake()
      pump()
    },
    discard(key) {
      const m = state.messages.find((x) => x.key === key && x.seq === null)
      if (!m) return
      forgetOutgoing(m.clientId)
      files.discard(m.clientId)
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
    sync: () => void sync(),
    // Files chosen for a message not written yet keep their conversation, as a draft does.
    // Until its queue is read, a session is not idle: it must live to find out.
    idle: () => loaded && entry.users === 0 && outbox.length === 0 && state.drafts.length === 0,
    wake() {
      if (socket.state() === 'stopped' && !state.fatal) socket.start()
    },
    sleep() {
      socket.stop()
      setState('ready', false)
    },
    dispose() {
      disposed = true
      owner.dispose()
      setUnsent(peerId, false)
      stopAttention()
      clearTimeout(typingTimer)
      clearTimeout(pumpTimer)
      socket.stop()
      files.dispose()
    },
  }
  wake = () => {
    entry.wake()
  }
  void sync()
  return entry
}

/** What the outbox keeps of a file (no bytes, no blob: URLs: they are file-store.ts's). */
function outgoingFile(f: {
  localId: string
  name: string
  type: string
  size: number
  width?: number | undefined
  height?: number | undefined
  attachment?: Attachment | undefined
}): OutgoingFile {
  return {
    localId: f.localId,
    name: f.name,
    type: f.type,
    size: f.size,
    ...(f.width && f.height ? { width: f.width, height: f.height } : {}),
    ...(f.attachment ? { attachment: { ...f.attachment } } : {}),
  }
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
  if (owner !== me) disposeAllChats(true)
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

let stopListening: (() => void) | null = null

/**
 * Starts sessions for conversations with messages left unsent (by an earlier page, or by any
 * tab of this account, open or closed), and for those another tab queues something in later:
 * whichever tab holds a conversation's lock sends its queue, without it being opened.
 */
export function resumeOutboxes(me: string): void {
  if (owner !== me) disposeAllChats(true)
  owner = me
  // The bytes of files whose tab is long gone.
  void sweepFiles()
  stopListening?.()
  stopListening = onOutboxChange(me, (peerId) => {
    if (owner !== me) return
    if (peerId === null) {
      for (const e of entries.values()) e.sync()
      return
    }
    // An existing session reads the queue again; a new one reads it as it starts.
    const existing = entries.get(peerId)
    if (existing) existing.sync()
    else entryFor(me, peerId)
  })
  void peersWithOutbox(me).then((peerIds) => {
    if (owner !== me) return
    for (const peerId of peerIds) if (!entries.has(peerId)) entryFor(me, peerId)
  })
}

/**
 * Signing out, or another person signing in: nothing of the last one survives. That was the
 * rule for the files of unsent messages, and it holds for the messages and drafts too: a
 * device someone signed out of keeps nothing they wrote (their queue could not be sent
 * without their session anyway). Each account's queue and drafts have keys of their own, so
 * nothing of one ever shows for another. Leaving the signed-in screens with the session still
 * on (the not-found page) only closes the sessions: what was stored stays, to be sent.
 */
export function disposeAllChats(sessionEnded = signedIn.status !== 'signed-in'): void {
  const last = sessionEnded ? owner : null
  stopListening?.()
  stopListening = null
  for (const e of entries.values()) e.dispose()
  entries.clear()
  owner = null
  forgetLocalPreviews()
  if (last !== null) {
    void dropAllFiles()
    void dropAccountOutbox(last)
    void dropAccountDrafts(last)
  }
}
