// Route guards: signed-in areas send visitors to sign in; sign-in pages send members home.
import { Navigate, type RouteSectionProps, useLocation, useSearchParams } from '@solidjs/router'
import { Match, Switch } from 'solid-js'
import { safeNext, signInPath } from './redirect.ts'
import { loadSession, session } from './session.ts'
import { AppShell } from './ui/app-shell.tsx'
import { Button } from './ui/button.tsx'
import { CenterMessage } from './ui/center-message.tsx'

function Loading() {
  return (
    <CenterMessage title="Parley" busy>
      <p class="muted" role="status">
        Loading…
      </p>
    </CenterMessage>
  )
}

function Unreachable() {
  return (
    <CenterMessage title="Parley can’t be reached">
      <p class="muted">Check your connection, then try again.</p>
      <Button variant="primary" onClick={() => void loadSession()}>
        Try again
      </Button>
    </CenterMessage>
  )
}

/** Layout route for everything behind sign-in. */
export function SignedInArea(props: RouteSectionProps) {
  const location = useLocation()
  // After an explicit sign-out, coming back to this page is not what the person wants.
  const target = () =>
    session.endedBy === 'sign-out' || session.endedBy === 'deleted'
      ? '/signin'
      : signInPath(`${location.pathname}${location.search}`)
  return (
    <Switch>
      <Match when={session.status === 'loading'}>
        <Loading />
      </Match>
      <Match when={session.status === 'unreachable'}>
        <Unreachable />
      </Match>
      <Match when={session.status === 'signed-out'}>
        <Navigate href={target()} />
      </Match>
      <Match when={session.status === 'signed-in'}>
        <AppShell>{props.children}</AppShell>
      </Match>
    </Switch>
  )
}

/** Layout route for sign-in and register: a signed-in person goes where they were headed. */
export function SignedOutArea(props: RouteSectionProps) {
  const [params] = useSearchParams()
  return (
    <Switch fallback={props.children}>
      <Match when={session.status === 'loading'}>
        <Loading />
      </Match>
      <Match when={session.status === 'signed-in'}>
        <Navigate href={safeNext(params.next)} />
      </Match>
    </Switch>
  )
}
