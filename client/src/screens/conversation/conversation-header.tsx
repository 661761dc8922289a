// The conversation's header: a way back to the list on phones, who it is with, and whether
// they are typing.
import { A } from '@solidjs/router'
import { type JSX, Show } from 'solid-js'
import { Avatar } from '../chats/avatar.tsx'

export function ConversationHeader(props: {
  name: string
  email: string | null
  /** A deleted account: a neutral avatar (its name is "Deleted account", its email ""). */
  deleted?: boolean
  typing: boolean
  headingId: string
  headingRef: (el: HTMLHeadingElement) => void
  /** Controls at the end of the header (Block / Unblock). */
  actions?: JSX.Element
}) {
  return (
    <header class="conv-header">
      <A href="/" class="conv-back" end>
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
          <path d="M15 5l-7 7 7 7" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
        </svg>
        <span class="visually-hidden">Back to chats</span>
      </A>
      <Avatar name={props.name} size="large" deleted={props.deleted} />
      <div class="conv-header-text">
        <h2 ref={props.headingRef} id={props.headingId} class="conv-title" tabindex="-1" dir="auto">
          {props.name}
        </h2>
        <p class="conv-subtitle" aria-live="polite">
          <Show when={props.typing} fallback={<span class="muted">{props.email ?? ''}</span>}>
            <span class="typing">typing…</span>
          </Show>
        </p>
      </div>
      <div class="conv-header-actions">{props.actions}</div>
    </header>
  )
}
