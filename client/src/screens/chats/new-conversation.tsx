// Find someone to talk to (GET /api/users?q=) as one types: an exact email address, or name
// words and their starts (3 characters or more). Results are links to the conversation.
import { A } from '@solidjs/router'
import { createSignal, createUniqueId, For, onCleanup, onMount, Show } from 'solid-js'
import type { Peer } from '../../../../protocol/api.ts'
import { ApiError } from '../../api.ts'
import { searchPeople } from '../../chat/chat-api.ts'
import { rememberPeer } from '../../chat/peers.ts'
import { displayName } from '../../session.ts'
import { Button } from '../../ui/button.tsx'
import { Avatar } from './avatar.tsx'

const DEBOUNCE_MS = 350

export function NewConversation(props: { onClose: () => void }) {
  const id = `people-${createUniqueId()}`
  const [query, setQuery] = createSignal('')
  const [results, setResults] = createSignal<Peer[] | null>(null)
  const [searched, setSearched] = createSignal('')
  const [problem, setProblem] = createSignal<string | null>(null)
  const [pending, setPending] = createSignal(false)
  let input: HTMLInputElement | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  // Answers can overtake each other; only the latest question's answer is shown.
  let asked = 0

  async function search(q: string): Promise<void> {
    clearTimeout(timer)
    const trimmed = q.trim()
    if (trimmed === '') {
      setResults(null)
      setProblem(null)
      return
    }
    const mine = ++asked
    setPending(true)
    try {
      const { users } = await searchPeople(trimmed)
      if (mine !== asked) return
      for (const user of users) rememberPeer(user)
      setResults(users)
      setSearched(trimmed)
      setProblem(null)
    } catch (err) {
      if (mine !== asked) return
      setProblem(err instanceof ApiError ? err.problem.detail : 'The search did not work. Please try again.')
    } finally {
      if (mine === asked) setPending(false)
    }
  }

  onMount(() => input?.focus())
  onCleanup(() => clearTimeout(timer))

  return (
    <form
      id="people-search"
      class="people-search"
      aria-label="New conversation"
      onSubmit={(event) => {
        event.preventDefault()
        void search(query())
      }}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault()
          props.onClose()
        }
      }}
    >
      <label for={id} class="field-label">
        Find people
      </label>
      <div class="people-search-row">
        <input
          ref={input}
          id={id}
          class="field-input"
          type="search"
          autocomplete="off"
          spellcheck={false}
          aria-describedby={`${id}-hint`}
          value={query()}
          onInput={(event) => {
            const value = event.currentTarget.value
            setQuery(value)
            clearTimeout(timer)
            timer = setTimeout(() => void search(value), DEBOUNCE_MS)
          }}
        />
        <Button type="submit" pending={pending()} pendingLabel="Searching…">
          Search
        </Button>
      </div>
      <p id={`${id}-hint`} class="field-hint">
        A first or last name, or its first letters (3 or more), or an exact email address.
      </p>
      <Show when={problem()}>
        <p class="field-error" role="alert">
          {problem()}
        </p>
      </Show>
      <p class="visually-hidden" role="status">
        {results() === null ? '' : `${results()!.length} ${results()!.length === 1 ? 'person' : 'people'} found`}
      </p>
      <Show when={results()}>
        {(list) => (
          <Show when={list().length > 0} fallback={<p class="muted">No one found for “{searched()}”.</p>}>
            <ul class="people-results" aria-label="People found">
              <For each={list()}>
                {(peer) => (
                  <li>
                    <A href={`/c/${encodeURIComponent(peer.id)}`} class="person-link" onClick={() => props.onClose()}>
                      <Avatar name={displayName(peer)} />
                      <span class="person-text">
                        <span class="person-name">{displayName(peer)}</span>
                        {/* A person with no name is shown by their email: once. */}
                        <Show when={displayName(peer) !== peer.email}>
                          <span class="person-email">{peer.email}</span>
                        </Show>
                      </span>
                    </A>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </Show>
    </form>
  )
}
