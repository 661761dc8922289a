// The admin area's frame: staff only (others get a "not allowed" page), with its own section nav.
import { A, type RouteSectionProps } from '@solidjs/router'
import { onCleanup, Show } from 'solid-js'
import { forgetUsers } from '../../admin/user-directory.ts'
import { session } from '../../session.ts'
import { NotAllowedScreen } from './not-allowed-screen.tsx'

const SECTIONS = [
  { href: '/admin/users', label: 'Users' },
  { href: '/admin/conversations', label: 'Conversations' },
  { href: '/admin/activity', label: 'Activity' },
  { href: '/admin/audit', label: 'Audit log' },
  { href: '/admin/keys', label: 'Keys' },
  { href: '/admin/usage', label: 'Usage' },
] as const

export function AdminArea(props: RouteSectionProps) {
  onCleanup(forgetUsers)
  // The server refuses non-staff anyway (403); this only spares them a broken page.
  return (
    <Show when={session.user?.isStaff} fallback={<NotAllowedScreen />}>
      <div class="admin">
        <nav class="admin-nav" aria-label="Admin sections">
          {SECTIONS.map((section) => (
            <A href={section.href} class="admin-nav-link">
              {section.label}
            </A>
          ))}
        </nav>
        {props.children}
      </div>
    </Show>
  )
}
