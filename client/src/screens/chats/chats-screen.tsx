// Placeholder home ("Chats"); the conversation list replaces this screen.
import { displayName, session } from '../../session.ts'
import { usePageTitle } from '../../ui/page-title.ts'

export function ChatsScreen() {
  usePageTitle(() => 'Chats')
  return (
    <div class="stack">
      <h1 class="page-title">Chats</h1>
      <section class="card empty-state" aria-label="Conversations">
        <p>
          Signed in as <strong>{session.user ? displayName(session.user) : ''}</strong>.
        </p>
        <p class="muted">Your conversations will appear here.</p>
        <a href="/settings">Open settings</a>
      </section>
    </div>
  )
}
