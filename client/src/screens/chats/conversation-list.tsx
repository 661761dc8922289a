// The list of conversations, most recent first, with the header's actions: start a new
// conversation and turn on notifications. A filter box narrows the loaded list by name or
// email as one types; arrow keys (and Home, End) move between the chats.
import { createMemo, createSignal, For, Match, Show, Switch } from 'solid-js'
import { inbox, loadConversations } from '../../notifications/inbox-store.ts'
import { EnableNotificationsButton } from '../../notifications/notification-toggle.tsx'
import { OfflineBanner } from '../../offline/offline-banner.tsx'
import { displayName, session } from '../../session.ts'
import { Button } from '../../ui/button.tsx'
import { peerMatches } from './chats-filter.ts'
import { ConversationListItem } from './conversation-list-item.tsx'
import { NewConversation } from './new-conversation.tsx'

export const FILTER_ID = 'chats-filter'
export const NEW_CONVERSATION_ID = 'new-conversation-toggle'

/** The chat links of the list, in order. */
function chatLinks(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>('.conv-list .conv-item')]
}

/** Moves focus through the list for ArrowUp/ArrowDown/Home/End; true when it did. */
export function moveInList(key: string, from: Element | null): boolean {
  const links = chatLinks()
  if (links.length === 0) return false
  const at = from ? links.indexOf(from as HTMLElement) : -1
  let next: number
  if (key === 'Home') next = 0
  else if (key === 'End') next = links.length - 1
  else if (key === 'ArrowDown') next = at < 0 ? 0 : Math.min(links.length - 1, at + 1)
  else if (key === 'ArrowUp') {
    // Up from the first chat goes back to the filter box.
    if (at === 0) {
      document.getElementById(FILTER_ID)?.focus()
      return true
    }
    next = at < 0 ? links.length - 1 : at - 1
  } else return false
  links[next]?.focus()
  return true
}

export function ConversationList(props: { activePeer: string | null; onShowShortcuts: () => void }) {
  const [searching, setSearching] = createSignal(false)
  const [filter, setFilter] = createSignal('')
  let toggle: HTMLButtonElement | undefined
  const shown = createMemo(() => {
    const q = filter()
    return q.trim() === '' ? inbox.conversations : inbox.conversations.filter((entry) => peerMatches(entry.peer, q))
  })
  const filtering = () => filter().trim() !== ''

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
          id={NEW_CONVERSATION_ID}
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
        <button
          type="button"
          class="link-button chat-list-shortcuts"
          aria-haspopup="dialog"
          aria-keyshortcuts="?"
          onClick={() => props.onShowShortcuts()}
        >
          Keyboard shortcuts
        </button>
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
          <search class="chat-filter" aria-label="Your chats">
            <label for={FILTER_ID} class="visually-hidden">
              Filter chats
            </label>
            <input
              id={FILTER_ID}
              class="field-input chat-filter-input"
              type="search"
              placeholder="Filter chats"
              autocomplete="off"
              spellcheck={false}
              aria-keyshortcuts="/ Control+K"
              aria-controls="chats-conversations"
              value={filter()}
              onInput={(event) => setFilter(event.currentTarget.value)}
              onKeyDown={(event) => {
                if (event.key === 'ArrowDown' && moveInList('ArrowDown', null)) event.preventDefault()
                else if (event.key === 'Escape' && filter() !== '') {
                  // Escape empties the box first (as a search field does), then leaves the rest to the screen.
                  event.preventDefault()
                  setFilter('')
                }
              }}
            />
          </search>
          <p class="visually-hidden" role="status">
            {filtering() ? `${shown().length} ${shown().length === 1 ? 'chat' : 'chats'} shown` : ''}
          </p>
          <Show when={shown().length > 0} fallback={<p class="chat-list-message muted">No chats match</p>}>
            <ul
              id="chats-conversations"
              class="conv-list"
              aria-label="Conversations"
              onKeyDown={(event) => {
                if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return
                const target = event.target as Element
                if (!target.classList.contains('conv-item')) return
                if (moveInList(event.key, target)) event.preventDefault()
              }}
            >
              <For each={shown()}>
                {(entry) => <ConversationListItem entry={entry} active={entry.id === props.activePeer} />}
              </For>
            </ul>
          </Show>
        </Match>
      </Switch>
    </section>
  )
}
