// The frame of every signed-in screen: skip link, top bar with navigation, main landmark.
import { A } from '@solidjs/router'
import { type JSX, Show } from 'solid-js'
import { NotificationsHub } from '../notifications/notifications-hub.tsx'
import { UnreadBadge } from '../notifications/unread-badge.tsx'
import { displayName, session } from '../session.ts'
import { useKeepFocus } from './keep-focus.ts'
import { Logo } from './logo.tsx'

// The router would treat "#main" as a navigation and leave focus where it was; a native
// listener runs first, so preventDefault keeps the router out and focus lands in <main>.
function skipToMain(event: MouseEvent): void {
  event.preventDefault()
  document.getElementById('main')?.focus()
}

export function AppShell(props: { children?: JSX.Element }) {
  let main: HTMLElement | undefined
  useKeepFocus(() => main)
  const initial = () => {
    const user = session.user
    const first = user ? [...displayName(user)][0] : undefined
    return first?.toUpperCase() ?? '?'
  }
  return (
    <div class="shell">
      <a class="skip-link" href="#main" on:click={skipToMain}>
        Skip to content
      </a>
      <header class="topbar">
        <a href="/" class="brand">
          <Logo />
          <span>Parley</span>
        </a>
        <nav class="topnav" aria-label="Main">
          <A href="/" end class="topnav-link">
            Chats
            <UnreadBadge />
          </A>
          <Show when={session.user?.isStaff}>
            <A href="/admin" class="topnav-link">
              Admin
            </A>
          </Show>
          <A href="/settings" class="topnav-link">
            <span class="avatar" aria-hidden="true">
              {initial()}
            </span>
            <span class="topnav-label">Settings</span>
          </A>
        </nav>
      </header>
      <main ref={main} id="main" class="page" tabindex="-1">
        {props.children}
      </main>
      <NotificationsHub />
    </div>
  )
}
