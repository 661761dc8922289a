// Any path the router does not know.
import { CenterMessage } from '../ui/center-message.tsx'
import { usePageTitle } from '../ui/page-title.ts'

export function NotFoundScreen() {
  usePageTitle(() => 'Page not found')
  return (
    <CenterMessage title="Page not found">
      <p class="muted">There is nothing at this address.</p>
      <a class="button button-primary" href="/">
        Go to your chats
      </a>
    </CenterMessage>
  )
}
