// A user named by email (looked up from the id), linking to their admin page.
import { A } from '@solidjs/router'
import { Show } from 'solid-js'
import { lookUpUser } from '../../admin/user-directory.ts'

/** Reactive: the email once known, the raw id until then (or when there is no such user). */
export function userEmail(id: string): string {
  return lookUpUser(id)?.email ?? id
}

/** An email that, when it must wrap, wraps before the @ rather than mid-word. */
export function Email(props: { email: string }) {
  const at = () => props.email.lastIndexOf('@')
  return (
    <Show when={at() > 0} fallback={props.email}>
      {props.email.slice(0, at())}
      <wbr />
      {props.email.slice(at())}
    </Show>
  )
}

export function UserLink(props: { id: string }) {
  const user = () => lookUpUser(props.id)
  return (
    <A href={`/admin/users/${encodeURIComponent(props.id)}`} class="user-link">
      {/* While the lookup runs, the start of the id; the whole id if there is no such user. */}
      <Show
        when={user()}
        fallback={<span class="mono">{user() === null ? props.id : `${props.id.slice(0, 8)}…`}</span>}
      >
        {(found) => <Email email={found().email} />}
      </Show>
    </A>
  )
}
