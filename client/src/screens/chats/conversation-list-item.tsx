// One row of the conversation list: who, the last message (as edited, or that it was
// deleted; "📷 Photo" or "📎 name" for files without text), when, and how many are unread.
import { A } from '@solidjs/router'
import { Show } from 'solid-js'
import { cutCodePoints } from '../../../../protocol/text.ts'
import { messagePreview } from '../../chat/attachment-rules.ts'
import { formatListStamp } from '../../chat/chat-time.ts'
import type { ListEntry } from '../../notifications/inbox-store.ts'
import { displayName, session } from '../../session.ts'
import { Avatar } from './avatar.tsx'

const PREVIEW_CHARS = 80

export function ConversationListItem(props: { entry: ListEntry; active: boolean }) {
  const name = () => displayName(props.entry.peer)
  const last = () => props.entry.lastMessage
  const mine = () => last()?.senderId === session.user?.id
  // One line: newlines become spaces, and the cut never splits a character.
  const deleted = () => Boolean(last()?.deletedAt)
  const preview = () => {
    if (deleted()) return 'This message was deleted'
    if (last()?.unreadable) return "This message can't be read."
    const m = last()
    return m ? cutCodePoints(messagePreview(m), PREVIEW_CHARS) : ''
  }
  return (
    <li class="conv-row">
      <A
        href={`/c/${encodeURIComponent(props.entry.id)}`}
        class="conv-item"
        classList={{ 'conv-item-unread': props.entry.unread > 0 }}
        data-peer={props.entry.id}
      >
        <Avatar name={name()} deleted={!!props.entry.peer.deleted} />
        <span class="conv-main">
          <span class="conv-top">
            <span class="conv-name" dir="auto">
              {name()}
            </span>
            <Show when={last()}>
              {(message) => (
                <time class="conv-time" datetime={message().sentAt}>
                  {formatListStamp(message().sentAt)}
                </time>
              )}
            </Show>
          </span>
          <span class="conv-bottom">
            <span class="conv-preview" classList={{ 'conv-preview-deleted': deleted() }}>
              <Show when={mine()}>
                <span class="conv-you">You: </span>
              </Show>
              <bdi dir="auto">{preview()}</bdi>
            </span>
            <Show when={props.entry.blocked && props.entry.blocked !== 'none'}>
              <span class="badge conv-blocked">Blocked</span>
            </Show>
            <Show when={props.entry.unread > 0}>
              <span class="count-badge conv-unread">
                <span aria-hidden="true">{props.entry.unread > 99 ? '99+' : props.entry.unread}</span>
                <span class="visually-hidden">, {props.entry.unread} unread</span>
              </span>
            </Show>
          </span>
        </span>
      </A>
    </li>
  )
}
