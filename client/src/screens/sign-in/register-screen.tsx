// Create an account (POST /api/auth/register); the new session signs the person in.
import { useSearchParams } from '@solidjs/router'
import { createSignal } from 'solid-js'
import { MIN_PASSWORD_CHARS } from '../../../../protocol/api.ts'
import { register } from '../../accounts.ts'
import { setSignedIn } from '../../session.ts'
import { AuthLayout } from '../../ui/auth-layout.tsx'
import { Button } from '../../ui/button.tsx'
import { Field } from '../../ui/field.tsx'
import { FormError } from '../../ui/form-error.tsx'
import { createFormState } from '../../ui/form-state.ts'
import { usePageTitle } from '../../ui/page-title.ts'
import { checkEmail, checkName, checkNewPassword } from '../../validation.ts'

const FIELDS = ['email', 'firstName', 'lastName', 'password'] as const

export function RegisterScreen() {
  usePageTitle(() => 'Create an account')
  const [params] = useSearchParams()
  const [values, setValues] = createSignal({ email: '', firstName: '', lastName: '', password: '' })
  const form = createFormState(FIELDS)
  let formEl: HTMLFormElement | undefined

  const signInHref = () =>
    typeof params.next === 'string' ? `/signin?next=${encodeURIComponent(params.next)}` : '/signin'
  // Getters keep the spread props reactive.
  const bind = (field: (typeof FIELDS)[number]) => ({
    name: field,
    get value() {
      return values()[field]
    },
    get error() {
      return form.errors()[field]
    },
    onInput: (value: string) => {
      setValues((current) => ({ ...current, [field]: value }))
      form.clearError(field)
    },
  })

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault()
    const v = values()
    void form.submit(
      formEl,
      () => ({
        email: checkEmail(v.email),
        firstName: checkName(v.firstName),
        lastName: checkName(v.lastName),
        password: checkNewPassword(v.password),
      }),
      async () => {
        const { user } = await register(v)
        setSignedIn(user)
      },
    )
  }

  return (
    <AuthLayout title="Create your account" lead="Private one-to-one conversations, in real time.">
      <form ref={formEl} class="form" onSubmit={onSubmit} novalidate>
        <FormError message={form.banner()} more={form.more()} />
        <Field label="Email" type="email" autocomplete="email" required {...bind('email')} />
        <div class="field-row">
          <Field label="First name" autocomplete="given-name" optional {...bind('firstName')} />
          <Field label="Last name" autocomplete="family-name" optional {...bind('lastName')} />
        </div>
        <Field
          label="Password"
          type="password"
          autocomplete="new-password"
          required
          hint={`At least ${MIN_PASSWORD_CHARS} characters. Avoid common passwords.`}
          {...bind('password')}
        />
        <Button type="submit" variant="primary" block pending={form.pending()} pendingLabel="Creating account…">
          Create account
        </Button>
      </form>
      <p class="auth-switch">
        Already have an account? <a href={signInHref()}>Sign in</a>
      </p>
    </AuthLayout>
  )
}
