// Sign in with email and password (POST /api/auth/login).
import { useSearchParams } from '@solidjs/router'
import { createSignal, Show } from 'solid-js'
import { signIn } from '../../accounts.ts'
import { session, setSignedIn } from '../../session.ts'
import { AuthLayout } from '../../ui/auth-layout.tsx'
import { Button } from '../../ui/button.tsx'
import { Field } from '../../ui/field.tsx'
import { FormError } from '../../ui/form-error.tsx'
import { createFormState } from '../../ui/form-state.ts'
import { usePageTitle } from '../../ui/page-title.ts'
import { checkPresent } from '../../validation.ts'

export function SignInScreen() {
  usePageTitle(() => 'Sign in')
  const [params] = useSearchParams()
  const [email, setEmail] = createSignal('')
  const [password, setPassword] = createSignal('')
  const form = createFormState(['email', 'password'] as const)
  // Why the last session ended matters until the person tries again; then the answer to
  // that attempt (a wrong password, a deactivated account) is what they need to read.
  const [tried, setTried] = createSignal(false)
  let formEl: HTMLFormElement | undefined

  const registerHref = () =>
    typeof params.next === 'string' ? `/register?next=${encodeURIComponent(params.next)}` : '/register'

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault()
    setTried(true)
    void form.submit(
      formEl,
      () => ({
        email: checkPresent(email().trim(), 'Enter your email address.'),
        password: checkPresent(password(), 'Enter your password.'),
      }),
      async () => {
        const { user } = await signIn(email(), password())
        // The signed-out guard takes the person on to ?next= or their chats.
        setSignedIn(user)
      },
    )
  }

  return (
    <AuthLayout title="Sign in" lead="Welcome back. Sign in to continue your conversations.">
      <Show when={session.endedBy === 'deleted' && !tried()}>
        <p class="notice" role="status">
          Your account was deleted.
        </p>
      </Show>
      <Show when={session.endedBy === 'expired' && !tried()}>
        <p class="notice" role="status">
          Your session ended. Sign in again to continue.
        </p>
      </Show>
      <form ref={formEl} class="form" onSubmit={onSubmit} novalidate>
        <FormError message={form.banner()} more={form.more()} />
        <Field
          label="Email"
          name="email"
          type="email"
          autocomplete="username"
          required
          value={email()}
          onInput={(value) => {
            setEmail(value)
            form.clearError('email')
          }}
          error={form.errors().email}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value={password()}
          onInput={(value) => {
            setPassword(value)
            form.clearError('password')
          }}
          error={form.errors().password}
        />
        <Button type="submit" variant="primary" block pending={form.pending()} pendingLabel="Signing in…">
          Sign in
        </Button>
      </form>
      <p class="auth-switch">
        New to Parley? <a href={registerHref()}>Create an account</a>
      </p>
    </AuthLayout>
  )
}
