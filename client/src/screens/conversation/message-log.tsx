// The conversation's scrolling log. Long histories are windowed (only rows near the viewport
// are in the DOM, spacers stand in for the rest); older pages load as the person scrolls up,
// and the row they were looking at stays put. Peer messages that are really on screen in an
// attentive page are reported read. Messages are focusable, one at a time in the Tab order
// (arrow keys move between them); the log holds the one action menu, editor and delete
// question open at a time, and can bring any message into view (a quote's original).
// Opened with unread messages, it lands on the first of them under an "N unread messages"
// divider that stays put while the conversation is open; scrolled away from the end, a
// button says how many newer messages are below and goes there.
import {
  batch,
  createEffect,
  createMemo,
  createSignal,
  createUniqueId,
  For,
  Match,
  on,
  onCleanup,
  onMount,
  Show,
  Switch,
  untrack,
} from 'solid-js'
import type { ChatSession } from '../../chat/chat-session.ts'
import { formatDayLabel, formatLongDateTime } from '../../chat/chat-time.ts'
import type { ChatMessage } from '../../chat/conversation-store.ts'
import { deliveryStateOf } from '../../chat/delivery-state.ts'
import { type PendingChange, showWithChanges } from '../../chat/message-changes.ts'
import { isAttentive } from '../../chat/page-attention.ts'
import { ConfirmDialog } from '../../ui/confirm-dialog.tsx'
import { createLogRows, type LogRow } from './log-rows.ts'
import { ActionMenu, type MenuTarget, type MenuView } from './message-actions.tsx'
import { MessageRow } from './message-row.tsx'
import { prefixOffsets, visibleRange } from './virtual-window.ts'

/** Up to this many rows everything is rendered; windowing starts beyond. */
const RENDER_ALL_UP_TO = 150
const OVERSCAN_PX = 900
/** Start fetching the previous page this close to the top. */
const LOAD_OLDER_PX = 600
/** Within this distance of the end, the log follows new messages. */
const STICK_PX = 48
const ESTIMATE: Record<LogRow['kind'], number> = { message: 64, day: 44, notice: 52 }
/** How long a message brought into view from a quote stays highlighted. */
const HIGHLIGHT_MS = 2_000
const NO_CHANGES: PendingChange[] = []

export interface MessageLogProps {
  chat: ChatSession
  me: string
  peerName: string
  peerFirstName: string
  /** Both members have read receipts on: read ticks may show. */
  readReceipts: boolean
  /** The peer deleted their account: as when blocked, only reading and deleting are offered. */
  peerDeleted?: boolean
}

/** Messages back from the newest the log fetches to find the first unread one. */
const UNREAD_LOADED_MAX = 500

export function MessageLog(props: MessageLogProps) {
  const state = props.chat.store.state
  const hintId = `log-hint-${createUniqueId()}`
  const rows = createLogRows(state)
  const heights = new Map<string, number>()
  const elements = new Map<string, HTMLElement>()
  const [heightsVersion, setHeightsVersion] = createSignal(0)
  // Past the end at first: the window starts at the newest messages.
  const [scrollTop, setScrollTop] = createSignal(Number.MAX_SAFE_INTEGER)
  const [viewport, setViewport] = createSignal(800)
  const [atEnd, setAtEnd] = createSignal(true)
  let scroller: HTMLDivElement | undefined
  let stick = true
  /** The row the person is reading: its key and its top's distance below the visible top. */
  let anchor: { key: string; offset: number } | null = null
  /** Where restore() last put the scroll position, to tell its scroll events from the person's. */
  let ownScroll: number | null = null

  const offsets = createMemo(() => {
    heightsVersion()
    const list = rows()
    return prefixOffsets(list.length, (i) => {
      const row = list[i]!
      return heights.get(row.key) ?? ESTIMATE[row.kind]
    })
  })

  const range = createMemo<[number, number]>(
    () => {
      const count = rows().length
      if (count <= RENDER_ALL_UP_TO) return [0, count]
      return visibleRange(offsets(), scrollTop(), viewport(), OVERSCAN_PX)
    },
    [0, 0],
    { equals: (a, b) => a[0] === b[0] && a[1] === b[1] },
  )
  const rendered = createMemo(() => {
    const [start, end] = range()
    return rows().slice(start, end)
  })
  const topSpace = () => offsets()[range()[0]] ?? 0
  const bottomSpace = () => {
    const off = offsets()
    return (off[off.length - 1] ?? 0) - (off[range()[1]] ?? 0)
  }

  // ---- keeping the place ----
  // Positions are worked out from the row offsets, not from the DOM: the row the person was
  // looking at may have left the window (older rows were just added above it).

  let rowsTop: HTMLDivElement | undefined
  const indexByKey = createMemo(() => new Map(rows().map((row, i) => [row.key, i])))

  /** The first row whose bottom is below the top edge, and how far from the edge it starts. */
  function captureAnchor(): void {
    if (!scroller || !rowsTop) return
    const off = offsets()
    const y = scroller.scrollTop - rowsTop.offsetTop
    const list = rows()
    let lo = 0
    let hi = list.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (off[mid + 1]! <= y) lo = mid + 1
      else hi = mid
    }
    // A day separator is no anchor: when an older page of the same day arrives, it moves
    // up above those messages.
    while (list[lo]?.kind === 'day' && lo + 1 < list.length) lo++
    const row = list[lo]
    anchor = row ? { key: row.key, offset: off[lo]! - y } : null
  }

  function restore(): void {
    if (!scroller || !rowsTop) return
    const before = scroller.scrollTop
    if (stick) scroller.scrollTop = scroller.scrollHeight
    else if (anchor) {
      const i = indexByKey().get(anchor.key)
      if (i !== undefined) {
        const target = rowsTop.offsetTop + offsets()[i]! - anchor.offset
        if (Math.abs(scroller.scrollTop - target) >= 1) scroller.scrollTop = target
      }
    }
    if (scroller.scrollTop !== before) ownScroll = scroller.scrollTop
    // The window follows at once (before paint), and this runs again once it has.
    setScrollTop(scroller.scrollTop)
    maybeLoadOlder()
  }

  function maybeLoadOlder(): void {
    if (!scroller || !state.historyLoaded || !state.hasMore || state.loadingOlder || state.olderProblem) return
    if (scroller.scrollTop < LOAD_OLDER_PX) void props.chat.loadOlder()
  }

  function onScroll(): void {
    if (!scroller) return
    // Our own scrolling (restore) is reported here too, before new rows are measured: the
    // anchor it keeps is still right, and one taken now from unmeasured rows would not be.
    const ours = ownScroll !== null && Math.abs(scroller.scrollTop - ownScroll) < 1
    ownScroll = null
    if (!ours) {
      stick = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= STICK_PX
      // First the new anchor, then the window: moving the window restores to this anchor.
      captureAnchor()
    }
    batch(() => {
      setAtEnd(stick)
      setScrollTop(scroller!.scrollTop)
    })
    maybeLoadOlder()
  }

  // After any change to what is rendered (new rows, measured heights, the window moving),
  // the DOM is current here: put the anchored row back where it was, or stay at the end.
  createEffect(on([rendered, offsets, () => state.loadingOlder, () => state.hasMore], () => restore()))

  // ---- measuring rows ----

  const resize = new ResizeObserver((entries) => {
    let changed = false
    for (const entry of entries) {
      const el = entry.target as HTMLElement
      const key = el.dataset.row
      if (!key) continue
      const height = entry.borderBoxSize[0]?.blockSize ?? el.offsetHeight
      if (heights.get(key) !== height) {
        heights.set(key, height)
        changed = true
      }
    }
    if (changed) setHeightsVersion((v) => v + 1)
    else restore()
  })

  // ---- where the unread messages start ----
  // Placed once, when the history and the server's read position are both in: the read
  // position then is what the divider marks, however far reading moves on afterwards.

  const [divider, setDivider] = createSignal<{ seq: number; count: number; more: boolean } | null>(null)
  const [settled, setSettled] = createSignal(false)
  let placing = false

  async function placeDivider(): Promise<void> {
    placing = true
    const readUpTo = state.myReadUpTo
    const first = props.chat.store.firstSeq()
    // The first unread message may be on a page not loaded yet; a backlog of thousands is not
    // all fetched to open a conversation: the divider then marks the oldest of the newest ones.
    const from = Math.max(readUpTo + 1, props.chat.store.lastSeq() - UNREAD_LOADED_MAX + 1)
    if (first !== null && first > from && state.hasMore) await props.chat.loadUntil(from)
    const unread = state.messages.filter((m) => m.seq !== null && m.seq > readUpTo && m.senderId !== props.me)
    const firstUnread = unread[0]
    if (firstUnread?.seq != null) {
      const more = state.hasMore && (props.chat.store.firstSeq() ?? 0) > readUpTo + 1
      setDivider({ seq: firstUnread.seq, count: unread.length, more })
      stick = false
      setAtEnd(false)
      anchor = { key: `m:${firstUnread.key}`, offset: 0 }
      restore()
    }
    // Once the rows are laid out (and the seen messages observed) where it landed.
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        if (scroller && !stick && scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= STICK_PX) {
          // Everything unread fits above the end: the log follows new messages as usual.
          stick = true
          setAtEnd(true)
        }
        setSettled(true)
      }),
    )
  }

  createEffect(() => {
    if (placing || !state.historyLoaded || !state.ready || state.fatal) return
    // The replay after `ready` may still be bringing what arrived while this was closed.
    if (props.chat.store.lastSeq() < state.readyLastSeq) return
    untrack(() => void placeDivider())
  })

  /** Peer messages after what the server knows this person has read: the jump button's count. */
  const newBelow = createMemo(() => {
    const upTo = state.myReadUpTo
    let n = 0
    for (let i = state.messages.length - 1; i >= 0; i--) {
      const m = state.messages[i]!
      if (m.seq === null) continue
      if (m.seq <= upTo) break
      if (m.senderId !== props.me) n++
    }
    return n
  })
  const dividerText = () => {
    const n = divider()?.count ?? 0
    if (divider()?.more) return `More than ${n} unread messages`
    return `${n} unread ${n === 1 ? 'message' : 'messages'}`
  }

  // ---- read receipts ----

  const seen = new Map<Element, number>()
  function reportRead(): void {
    // Until the log has landed on the first unread message, what is in view was not read.
    if (!settled() || !isAttentive() || seen.size === 0) return
    let max = 0
    for (const seq of seen.values()) if (seq > max) max = seq
    props.chat.markRead(max)
  }
  let readObserver: IntersectionObserver | undefined
  createEffect(on([isAttentive, settled], ([attentive]) => attentive && reportRead()))

  function track(el: HTMLElement, row: LogRow): void {
    elements.set(row.key, el)
    resize.observe(el)
    if (row.kind === 'message' && row.message.senderId !== props.me) readObserver?.observe(el)
    onCleanup(() => {
      if (elements.get(row.key) === el) elements.delete(row.key)
      resize.unobserve(el)
      readObserver?.unobserve(el)
      seen.delete(el)
    })
  }

  onMount(() => {
    const el = scroller!
    // A message counts as seen when most of it (or most of the log's height) is in view.
    readObserver = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          const seq = Number((entry.target as HTMLElement).dataset.seq)
          const bigEnough =
            entry.intersectionRatio >= 0.5 ||
            (entry.rootBounds !== null && entry.intersectionRect.height >= entry.rootBounds.height * 0.5)
          if (entry.isIntersecting && bigEnough && Number.isFinite(seq)) seen.set(entry.target, seq)
          else seen.delete(entry.target)
        }
        reportRead()
      },
      { root: el, threshold: [0, 0.5, 1] },
    )
    for (const row of rendered()) {
      const node = elements.get(row.key)
      if (node && row.kind === 'message' && row.message.senderId !== props.me) readObserver.observe(node)
    }
    const size = new ResizeObserver(() => {
      setViewport(el.clientHeight)
      restore()
    })
    size.observe(el)
    setViewport(el.clientHeight)
    restore()
    onCleanup(() => {
      size.disconnect()
      resize.disconnect()
      readObserver?.disconnect()
    })
  })

  // ---- focus, actions and bringing a message into view ----

  const changesBySeq = createMemo(() => {
    const map = new Map<number, PendingChange[]>()
    for (const c of state.changes) {
      const list = map.get(c.change.seq)
      if (list) list.push(c)
      else map.set(c.change.seq, [c])
    }
    return map
  })
  const shownOf = (m: ChatMessage) =>
    m.seq === null
      ? showWithChanges(m, NO_CHANGES, props.me)
      : showWithChanges(m, changesBySeq().get(m.seq) ?? NO_CHANGES, props.me)

  /** The row key of the message in the Tab order: the last one focused, else the newest. */
  const [current, setCurrent] = createSignal<string | null>(null)
  const focusKey = createMemo(() => {
    const c = current()
    if (c !== null && indexByKey().has(c)) return c
    const list = rows()
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.kind === 'message') return list[i]!.key
    return null
  })
  const [menu, setMenu] = createSignal<MenuTarget | null>(null)
  const [editing, setEditing] = createSignal<string | null>(null)
  const [deleting, setDeleting] = createSignal<ChatMessage | null>(null)
  const [highlighted, setHighlighted] = createSignal<string | null>(null)
  let highlightTimer: ReturnType<typeof setTimeout> | undefined
  onCleanup(() => clearTimeout(highlightTimer))

  function rowElement(rowKey: string): HTMLElement | null {
    return elements.get(rowKey)?.querySelector<HTMLElement>('.msg') ?? null
  }

  function focusRow(rowKey: string): void {
    // After the DOM has caught up (an editor or a menu just went away).
    requestAnimationFrame(() => rowElement(rowKey)?.focus({ preventScroll: true }))
  }

  function openMenu(m: ChatMessage, anchor: HTMLElement, view: MenuView): void {
    const key = `m:${m.key}`
    setEditing(null)
    setMenu({ key, anchor, returnFocus: rowElement(key), view })
  }

  function closeMenu(restoreFocus: boolean): void {
    const target = menu()
    setMenu(null)
    if (restoreFocus && target?.returnFocus?.isConnected) target.returnFocus.focus({ preventScroll: true })
  }

  /** Scrolls the message with `seq` to the middle of the log, loading older pages until it is there. */
  async function showOriginal(seq: number): Promise<void> {
    const found = await props.chat.loadUntil(seq)
    const target = found ? props.chat.store.messageBySeq(seq) : undefined
    if (!target) {
      props.chat.store.setState('actionProblem', 'The original message could not be shown.')
      return
    }
    const key = `m:${target.key}`
    stick = false
    setAtEnd(false)
    anchor = { key, offset: Math.max(0, (viewport() - (heights.get(key) ?? ESTIMATE.message)) / 2) }
    restore()
    clearTimeout(highlightTimer)
    setHighlighted(key)
    highlightTimer = setTimeout(() => setHighlighted(null), HIGHLIGHT_MS)
    setCurrent(key)
    focusRow(key)
  }

  function onLogKeyDown(event: KeyboardEvent): void {
    const el = event.target as HTMLElement
    if (!el.classList.contains('msg') || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) return
    const step = (r: Element | null | undefined) =>
      (event.key === 'ArrowUp' ? r?.previousElementSibling : r?.nextElementSibling) ?? null
    // Day separators and notices sit between messages; they are skipped.
    let row = step(el.closest('.log-row'))
    while (row && !row.querySelector(':scope > .msg')) row = step(row)
    const next = row?.querySelector<HTMLElement>(':scope > .msg')
    if (!next) return
    event.preventDefault()
    next.focus()
  }

  function onLogFocusIn(event: FocusEvent): void {
    const el = event.target as HTMLElement
    if (!el.classList.contains('msg')) return
    const key = el.closest<HTMLElement>('.log-row')?.dataset.row
    if (key) setCurrent(key)
  }

  function jumpToEnd(): void {
    if (!scroller) return
    stick = true
    setAtEnd(true)
    scroller.scrollTop = scroller.scrollHeight
    restore()
  }

  return (
    <div class="log-wrap">
      <div
        ref={scroller}
        class="log"
        role="log"
        aria-live="polite"
        aria-relevant="additions"
        aria-label={`Messages with ${props.peerName}`}
        // A scrolling region must be reachable by keyboard to be scrolled by it.
        tabindex="0"
        onScroll={onScroll}
        onKeyDown={onLogKeyDown}
        onFocusIn={onLogFocusIn}
      >
        <div class="log-content">
          <div class="log-start">
            <Switch>
              <Match when={state.keptOnly && !state.historyLoaded}>
                <p class="muted">The newest messages this device kept. Older ones load when Parley is back.</p>
              </Match>
              <Match when={!state.historyLoaded && !state.fatal}>
                <p class="muted" role="status">
                  Loading messages…
                </p>
              </Match>
              <Match when={state.loadingOlder}>
                <p class="muted" role="status">
                  Loading earlier messages…
                </p>
              </Match>
              <Match when={state.olderProblem}>
                <p class="log-problem">
                  {state.olderProblem}{' '}
                  <button
                    type="button"
                    class="link-button"
                    onClick={() => {
                      props.chat.store.setState('olderProblem', null)
                      void props.chat.loadOlder()
                    }}
                  >
                    Try again
                  </button>
                </p>
              </Match>
              <Match when={state.historyLoaded && !state.hasMore}>
                <p class="log-beginning">
                  {state.messages.length === 0
                    ? `No messages yet. Say hello to ${props.peerName}.`
                    : `This is the beginning of your conversation with ${props.peerName}.`}
                </p>
              </Match>
            </Switch>
          </div>
          <div ref={rowsTop} class="log-spacer" style={{ height: `${topSpace()}px` }} />
          <For each={rendered()}>
            {(row) => (
              <div
                class="log-row"
                data-row={row.key}
                data-seq={row.kind === 'message' ? (row.message.seq ?? undefined) : undefined}
                ref={(el) => track(el, row)}
              >
                <Switch>
                  <Match when={row.kind === 'day' && row}>
                    {(day) => <h3 class="log-day">{formatDayLabel(day().at)}</h3>}
                  </Match>
                  <Match when={row.kind === 'notice' && row}>
                    {(notice) => (
                      <p class="log-notice">
                        An administrator viewed this conversation’s stored messages on{' '}
                        {formatLongDateTime(notice().notice.at)}.
                      </p>
                    )}
                  </Match>
                  <Match when={row.kind === 'message' && row}>
                    {(item) => {
                      const m = item().message
                      return (
                        <>
                          <Show when={m.seq !== null && divider()?.seq === m.seq}>
                            {/* biome-ignore lint/a11y/useSemanticElements: an <hr> cannot show its text */}
                            <div class="log-unread" role="separator" aria-label={dividerText()}>
                              <span aria-hidden="true">{dividerText()}</span>
                            </div>
                          </Show>
                          <MessageRow
                            message={m}
                            shown={shownOf(m)}
                            mine={m.senderId === props.me}
                            me={props.me}
                            senderName={props.peerName}
                            peerFirstName={props.peerFirstName}
                            delivery={deliveryStateOf(m, {
                              peerDeliveredUpTo: state.peerDeliveredUpTo,
                              peerReadUpTo: state.peerReadUpTo,
                              readReceipts: props.readReceipts,
                            })}
                            focusable={focusKey() === row.key}
                            editing={editing() === row.key}
                            highlighted={highlighted() === row.key}
                            hintId={hintId}
                            onRetry={() => props.chat.retry(m.key)}
                            onDiscard={() => props.chat.discard(m.key)}
                            onShowOriginal={(seq) => void showOriginal(seq)}
                            onReact={(emoji, on) => m.seq !== null && props.chat.react(m.seq, emoji, on)}
                            onReply={() => m.seq !== null && props.chat.replyTo(m.seq)}
                            locked={state.blocked !== 'none' || !!props.peerDeleted}
                            onOpenMenu={(anchor, view) => openMenu(m, anchor, view)}
                            onSaveEdit={(body) => {
                              if (m.seq !== null) props.chat.edit(m.seq, body)
                              setEditing(null)
                              focusRow(row.key)
                            }}
                            onCancelEdit={() => {
                              setEditing(null)
                              focusRow(row.key)
                            }}
                          />
                        </>
                      )
                    }}
                  </Match>
                </Switch>
              </div>
            )}
          </For>
          <div class="log-spacer" style={{ height: `${bottomSpace()}px` }} />
        </div>
      </div>
      <Show when={!atEnd()}>
        <button type="button" class="log-jump" onClick={jumpToEnd}>
          <span aria-hidden="true">↓</span> Latest messages
          <Show when={newBelow() > 0}>
            <span class="visually-hidden">,</span>{' '}
            <span class="count-badge log-jump-count">
              {newBelow() > 99 ? '99+' : newBelow()}
              <span class="visually-hidden"> new</span>
            </span>
          </Show>
        </button>
      </Show>
      <p class="visually-hidden" role="status">
        {divider() ? dividerText() : ''}
      </p>
      <p id={hintId} class="visually-hidden">
        Press Enter for actions on this message.
      </p>
      <Show when={menu()} keyed>
        {(target) => {
          // Looked up once per menu: its handlers must not read a reactive source after it closes.
          const m = state.messages.find((x) => `m:${x.key}` === target.key)
          const seq = m?.seq
          if (!m || seq == null) return null
          return (
            <ActionMenu
              target={target}
              message={m}
              shown={shownOf(m)}
              me={props.me}
              mine={m.senderId === props.me}
              editWindowMs={state.editWindowMs}
              locked={state.blocked !== 'none' || !!props.peerDeleted}
              onClose={closeMenu}
              handlers={{
                react: (emoji, on) => props.chat.react(seq, emoji, on),
                reply: () => props.chat.replyTo(seq),
                edit: () => setEditing(target.key),
                delete: () => setDeleting(m),
              }}
            />
          )
        }}
      </Show>
      <ConfirmDialog
        open={deleting() !== null}
        title="Delete this message?"
        confirmLabel="Delete"
        onConfirm={() => {
          const m = deleting()
          setDeleting(null)
          if (m?.seq != null) {
            props.chat.deleteMessage(m.seq)
            focusRow(`m:${m.key}`)
          }
        }}
        onCancel={() => {
          const m = deleting()
          setDeleting(null)
          if (m) focusRow(`m:${m.key}`)
        }}
      >
        <p>It will be deleted for you and {props.peerFirstName}. This cannot be undone.</p>
      </ConfirmDialog>
    </div>
  )
}
