// The conversation's scrolling log. Long histories are windowed (only rows near the viewport
// are in the DOM, spacers stand in for the rest); older pages load as the person scrolls up,
// and the row they were looking at stays put. Peer messages that are really on screen in an
// attentive page are reported read.
import {
  batch,
  createEffect,
  createMemo,
  createSignal,
  For,
  Match,
  on,
  onCleanup,
  onMount,
  Show,
  Switch,
} from 'solid-js'
import type { ChatSession } from '../../chat/chat-session.ts'
import { formatDayLabel, formatLongDateTime } from '../../chat/chat-time.ts'
import { isAttentive } from '../../chat/page-attention.ts'
import { createLogRows, type LogRow } from './log-rows.ts'
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

export function MessageLog(props: { chat: ChatSession; me: string; peerName: string }) {
  const state = props.chat.store.state
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

  // ---- read receipts ----

  const seen = new Map<Element, number>()
  function reportRead(): void {
    if (!isAttentive() || seen.size === 0) return
    let max = 0
    for (const seq of seen.values()) if (seq > max) max = seq
    props.chat.markRead(max)
  }
  let readObserver: IntersectionObserver | undefined
  createEffect(on(isAttentive, (attentive) => attentive && reportRead()))

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
      >
        <div class="log-content">
          <div class="log-start">
            <Switch>
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
                    {(item) => (
                      <MessageRow
                        message={item().message}
                        mine={item().message.senderId === props.me}
                        senderName={props.peerName}
                        peerReadUpTo={state.peerReadUpTo}
                        onRetry={() => props.chat.retry(item().message.key)}
                        onDiscard={() => props.chat.discard(item().message.key)}
                      />
                    )}
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
        </button>
      </Show>
    </div>
  )
}
