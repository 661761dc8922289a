// The list of conversations, most recent first, with the header's actions: start a new
// conversation and turn on notifications.
import { createSignal, For, Match, Show, Switch } from 'solid-js'
import { inbox, loadConversations } from '../../notifications/inbox-store.ts'
import { EnableNotificationsButton } from '../../notifications/notification-toggle.tsx'
import { OfflineBanner } from '../../offline/offline-banner.tsx'
import { displayName, session } from '../../session.ts'
import { Button } from '../../ui/button.tsx'
import { ConversationListItem } from './conversation-list-item.tsx'
import { NewConversation } from './new-conversation.tsx'

export function ConversationList(props: { activePeer: string | null }) {
  const [searching, setSearching] = createSignal(false)
  let toggle: HTMLButtonElement | undefined

  const closeSearch = () => {
    setSearching(false)
    toggle?.focus()
  }

  return (
    <section class="chat-list" aria-labelledby="chats-heading">
      <header class="chat-list-header">
        <h1 id="chats-heading" class="chat-list-title">
          Chats
        </h1>
        <Button
          ref={toggle}
          variant={searching() ? 'secondary' : 'primary'}
          class="button-small"
          aria-expanded={searching()}
          aria-controls="people-search"
          onClick={() => setSearching((open) => !open)}
        >
          New conversation
        </Button>
      </header>
      <OfflineBanner />
      <div class="chat-list-actions">
        <EnableNotificationsButton />
      </div>
      <Show when={searching()}>
        <NewConversation onClose={closeSearch} />
      </Show>
      <Switch>
        <Match when={!inbox.loaded && inbox.loadProblem}>
          <div class="chat-list-message" role="alert">
            <p>{inbox.loadProblem}</p>
            <Button onClick={() => void loadConversations().catch(() => {})}>Try again</Button>
          </div>
        </Match>
        <Match when={!inbox.loaded}>
          <p class="chat-list-message muted" role="status">
            Loading conversations…
          </p>
        </Match>
        <Match when={inbox.conversations.length === 0}>
          <div class="chat-list-message">
            <p>
              Signed in as <strong>{session.user ? displayName(session.user) : ''}</strong>.
            </p>
            <p class="muted">No conversations yet. Use “New conversation” to find someone by name or email.</p>
          </div>
        </Match>
        <Match when={inbox.conversations.length > 0}>
          <ul class="conv-list" aria-label="Conversations">
            <For each={inbox.conversations}>
              {(entry) => <ConversationListItem entry={entry} active={entry.id === props.activePeer} />}
            </For>
          </ul>
        </Match>
      </Switch>
    </section>
  )
}
