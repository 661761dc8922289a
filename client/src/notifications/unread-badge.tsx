// The unread count on the Chats navigation link.
import { Show } from 'solid-js'
import { inbox } from './inbox-store.ts'

export function UnreadBadge() {
  return (
    <Show when={inbox.unreadTotal > 0}>
      <span class="count-badge nav-badge">
        <span aria-hidden="true">{inbox.unreadTotal > 99 ? '99+' : inbox.unreadTotal}</span>
        <span class="visually-hidden">, {inbox.unreadTotal} unread</span>
      </span>
    </Show>
  )
}
