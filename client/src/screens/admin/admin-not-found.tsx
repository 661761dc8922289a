// An /admin address that names no admin page.
import { usePageTitle } from '../../ui/page-title.ts'

export function AdminNotFound() {
  usePageTitle(() => 'Page not found')
  return (
    <div class="stack">
      <h1 class="page-title">Page not found</h1>
      <p class="muted">There is no admin page at this address.</p>
    </div>
  )
}
