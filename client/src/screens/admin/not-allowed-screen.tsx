// What a signed-in person who is not staff sees at /admin.
import { usePageTitle } from '../../ui/page-title.ts'

export function NotAllowedScreen() {
  usePageTitle(() => 'Not allowed')
  return (
    <div class="stack">
      <h1 class="page-title">Not allowed</h1>
      <section class="card empty-state" aria-label="Why">
        <p>The admin pages are only for Parley staff, and your account is not a staff account.</p>
        <a href="/">Go to your chats</a>
      </section>
    </div>
  )
}
