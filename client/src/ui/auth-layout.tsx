// The centred card that frames the signed-out screens (sign in, register).
import type { JSX } from 'solid-js'
import { useKeepFocus } from './keep-focus.ts'
import { Logo } from './logo.tsx'

export function AuthLayout(props: { title: string; lead?: string; children?: JSX.Element }) {
  let main: HTMLElement | undefined
  useKeepFocus(() => main)
  return (
    <main ref={main} id="main" class="auth" tabindex="-1">
      <div class="auth-card">
        <div class="auth-brand">
          <Logo size={40} />
          <span>Parley</span>
        </div>
        <h1 class="auth-title">{props.title}</h1>
        {props.lead ? <p class="auth-lead">{props.lead}</p> : null}
        {props.children}
      </div>
    </main>
  )
}
