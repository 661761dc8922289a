// One message bubble: the text, the time, and for the sender the delivery state
// (waiting, sending, sent, read, or not sent with a way to retry).
import { Match, Show, Switch } from 'solid-js'
import { formatClock } from '../../chat/chat-time.ts'
import type { ChatMessage } from '../../chat/conversation-store.ts'

export type DeliveryState = 'queued' | 'sending' | 'sent' | 'read' | 'failed'

const LABEL: Record<DeliveryState, string> = {
  queued: 'Waiting to send',
  sending: 'Sending',
  sent: 'Sent',
  read: 'Read',
  failed: 'Not sent',
}

function Ticks(props: { state: DeliveryState }) {
  return (
    <span class="msg-status" data-status={props.state}>
      <Switch>
        <Match when={props.state === 'queued' || props.state === 'sending'}>
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" class="msg-icon">
            <circle cx="8" cy="8" r="6.25" fill="none" stroke="currentColor" stroke-width="1.5" />
            <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" />
          </svg>
        </Match>
        <Match when={props.state === 'sent'}>
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" class="msg-icon">
            <path d="M3 8.5l3 3 7-7" fill="none" stroke="currentColor" stroke-width="1.75" stroke-linecap="round" />
          </svg>
        </Match>
        <Match when={props.state === 'read'}>
          <svg viewBox="0 0 20 16" width="18" height="14" aria-hidden="true" class="msg-icon">
            <path
              d="M1.5 8.5l3 3 7-7M8.5 11.5l7-7"
              fill="none"
              stroke="currentColor"
              stroke-width="1.75"
              stroke-linecap="round"
            />
          </svg>
        </Match>
        <Match when={props.state === 'failed'}>
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" class="msg-icon">
            <circle cx="8" cy="8" r="6.25" fill="none" stroke="currentColor" stroke-width="1.5" />
            <path
              d="M8 4.5v4.25M8 11v.5"
              fill="none"
              stroke="currentColor"
              stroke-width="1.75"
              stroke-linecap="round"
            />
          </svg>
        </Match>
      </Switch>
      {/* One text node that changes in place: the log announces additions, not this. */}
      <span class="visually-hidden">{LABEL[props.state]}</span>
    </span>
  )
}

export interface MessageRowProps {
  message: ChatMessage
  mine: boolean
  senderName: string
  peerReadUpTo: number
  onRetry: () => void
  onDiscard: () => void
}

export function MessageRow(props: MessageRowProps) {
  const m = props.message
  const state = (): DeliveryState => {
    if (m.seq === null) return m.status === 'sent' ? 'sending' : m.status
    return props.mine && m.seq <= props.peerReadUpTo ? 'read' : 'sent'
  }
  return (
    <div
      class="msg"
      classList={{ 'msg-mine': props.mine, 'msg-theirs': !props.mine, 'msg-pending': m.seq === null }}
      data-seq={m.seq ?? undefined}
      data-client-id={m.clientId}
    >
      <div class="msg-bubble">
        <span class="visually-hidden">{props.mine ? 'You' : props.senderName}: </span>
        <Show when={!m.unreadable} fallback={<p class="msg-body msg-unreadable">This message can't be read.</p>}>
          <p class="msg-body">{m.body}</p>
        </Show>
        <span class="msg-meta">
          <time datetime={m.sentAt}>{formatClock(m.sentAt)}</time>
          <Show when={props.mine}>
            <Ticks state={state()} />
          </Show>
        </span>
      </div>
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
    </div>
  )
}
