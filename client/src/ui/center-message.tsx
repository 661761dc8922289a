// A full-page message for states with no screen yet: loading, unreachable, not found.
import type { JSX } from 'solid-js'

export function CenterMessage(props: { title: string; busy?: boolean; children?: JSX.Element }) {
  return (
    <main id="main" class="center-message" aria-busy={props.busy ? 'true' : undefined}>
      <h1 class="center-title">{props.title}</h1>
      {props.children}
    </main>
  )
}
