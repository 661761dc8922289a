// One message: its bubble (the quote it answers, the text or what became of it, "edited",
// the time and, for one's own, the ticks), its reactions, and what can be done with it. The
// row is focusable (the log moves focus between rows with the arrow keys); Enter on it opens
// its actions, as do the hover toolbar and, on a touch screen, a long press; a swipe right replies.
import { onCleanup, Show } from 'solid-js'
import { formatClock, formatLongDateTime } from '../../chat/chat-time.ts'
import type { ChatMessage } from '../../chat/conversation-store.ts'
import type { DeliveryState } from '../../chat/delivery-state.ts'
import type { ShownMessage } from '../../chat/message-changes.ts'
import { AttachmentList } from './attachment-list.tsx'
import { hasActions, type MenuView, MessageToolbar } from './message-actions.tsx'
import { MessageBody } from './message-body.tsx'
import { MessageEditor } from './message-editor.tsx'
import { Reactions } from './reactions.tsx'
import { MessageQuote } from './reply-quote.tsx'
import { Ticks } from './ticks.tsx'
import { attachTouchGestures } from './touch-gestures.ts'

export interface MessageRowProps {
  message: ChatMessage
  shown: ShownMessage
  mine: boolean
  me: string
  /** The peer as the hidden "Ada Lovelace: " before their messages says it. */
  senderName: string
  /** The peer as quotes and reactions name them: "Ada". */
  peerFirstName: string
  delivery: DeliveryState
  /** The one row in the Tab order (roving tabindex). */
  focusable: boolean
  editing: boolean
  highlighted: boolean
  /** The id of the hint that says how to open a message's actions. */
  hintId: string
  onRetry: () => void
  onDiscard: () => void
  onShowOriginal: (seq: number) => void
  onReact: (emoji: string, on: boolean) => void
  onReply: () => void
  /** Either member blocked the other: no replies or reactions (CONTRACT.md: Blocking). */
  locked?: boolean
  onOpenMenu: (anchor: HTMLElement, view: MenuView) => void
  onSaveEdit: (body: string) => void
  onCancelEdit: () => void
}

export function MessageRow(props: MessageRowProps) {
  const m = props.message
  let bubble: HTMLDivElement | undefined
  const actionable = () => hasActions(m) && !props.shown.deletedAt

  // The bubble is made again after editing: gestures attach to each one made.
  function bubbleRef(el: HTMLDivElement): void {
    bubble = el
    const detach = attachTouchGestures(el, {
      onLongPress: () => actionable() && props.onOpenMenu(el, 'menu'),
      onSwipeRight: () => actionable() && !props.locked && props.onReply(),
    })
    onCleanup(detach)
  }

  return (
    <article
      class="msg"
      classList={{
        'msg-mine': props.mine,
        'msg-theirs': !props.mine,
        'msg-pending': m.seq === null,
        'msg-highlight': props.highlighted,
      }}
      data-seq={m.seq ?? undefined}
      data-client-id={m.clientId}
      tabindex={props.focusable ? 0 : -1}
      aria-describedby={actionable() ? props.hintId : undefined}
      onKeyDown={(event) => {
        if (event.target !== event.currentTarget || !actionable()) return
        if (event.key === 'Enter' || event.key === 'ContextMenu' || (event.key === 'F10' && event.shiftKey)) {
          event.preventDefault()
          if (bubble) props.onOpenMenu(bubble, 'menu')
        }
      }}
    >
      <div class="msg-line">
        <Show
          when={!props.editing}
          fallback={<MessageEditor body={props.shown.body} onSave={props.onSaveEdit} onCancel={props.onCancelEdit} />}
        >
          <div ref={bubbleRef} class="msg-bubble">
            <span class="visually-hidden">{props.mine ? 'You' : props.senderName}: </span>
            <Show when={props.shown.replyTo}>
              {(quote) => (
                <MessageQuote
                  quote={quote()}
                  author={quote().senderId === props.me ? 'You' : props.peerFirstName}
                  onShow={props.onShowOriginal}
                />
              )}
            </Show>
            <Show when={!props.shown.deletedAt} fallback={<p class="msg-body msg-deleted">This message was deleted</p>}>
              <AttachmentList attachments={props.shown.attachments} files={m.files} />
              <Show when={!m.unreadable} fallback={<p class="msg-body msg-unreadable">This message can't be read.</p>}>
                {/* A message of files alone has no text to show. */}
                <Show when={props.shown.body !== '' || !(props.shown.attachments?.length || m.files?.length)}>
                  <MessageBody body={props.shown.body} />
                </Show>
              </Show>
            </Show>
            <span class="msg-meta">
              <Show when={props.shown.deletedAt ? undefined : props.shown.editedAt}>
                {(at) => (
                  <span class="msg-edited" title={`Edited ${formatLongDateTime(at())}`}>
                    edited
                  </span>
                )}
              </Show>
              <time datetime={m.sentAt}>{formatClock(m.sentAt)}</time>
              <Show when={props.shown.changePending}>
                <span class="msg-change-pending" title="Your change will be sent when you are back online">
                  <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" class="msg-icon">
                    <circle cx="8" cy="8" r="6.25" fill="none" stroke="currentColor" stroke-width="1.5" />
                    <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" stroke-width="1.5" />
                  </svg>
                  <span class="visually-hidden">, change waiting to be sent</span>
                </span>
              </Show>
              <Show when={props.mine}>
                <Ticks state={props.delivery} />
              </Show>
            </span>
          </div>
          <Show when={actionable()}>
            <MessageToolbar
              onReply={props.locked ? undefined : props.onReply}
              onMenu={(anchor) => props.onOpenMenu(anchor, 'menu')}
            />
          </Show>
        </Show>
      </div>
      <Reactions
        reactions={props.shown.reactions}
        me={props.me}
        peerName={props.peerFirstName}
        onToggle={props.onReact}
        readOnly={props.locked}
      />
      <Show when={m.status === 'failed' && m.seq === null}>
        <p class="msg-problem">
          <span>Not sent: {m.problem}</span>
          <button type="button" class="link-button" onClick={() => props.onRetry()}>
            Try again
          </button>
          <button type="button" class="link-button" onClick={() => props.onDiscard()}>
            Remove
          </button>
        </p>
      </Show>
    </article>
  )
}
