// Change the password (POST /api/me/password); the server signs out every other session.
import { createSignal } from 'solid-js'
import { MIN_PASSWORD_CHARS } from '../../../../protocol/api.ts'
import { changePassword } from '../../accounts.ts'
import { session } from '../../session.ts'
import { Button } from '../../ui/button.tsx'
import { Field } from '../../ui/field.tsx'
import { FormError } from '../../ui/form-error.tsx'
import { createFormState } from '../../ui/form-state.ts'
import { StatusMessage } from '../../ui/status-message.tsx'
import { checkNewPassword, checkPresent } from '../../validation.ts'

export function PasswordForm(props: { onChanged: () => void }) {
  const [currentPassword, setCurrentPassword] = createSignal('')
  const [newPassword, setNewPassword] = createSignal('')
  const [status, setStatus] = createSignal<string | null>(null)
  const form = createFormState(['currentPassword', 'newPassword'] as const)
  let formEl: HTMLFormElement | undefined

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault()
    setStatus(null)
    void form.submit(
      formEl,
      () => ({
        currentPassword: checkPresent(currentPassword(), 'Enter your current password.'),
        newPassword:
          checkNewPassword(newPassword()) ??
          (newPassword() === currentPassword()
            ? 'The new password is the same as your current one. Choose a different one.'
            : undefined),
      }),
      async () => {
        await changePassword(currentPassword(), newPassword())
        setCurrentPassword('')
        setNewPassword('')
        setStatus('Password changed. Your other sessions were signed out.')
        props.onChanged()
      },
    )
  }

  return (
    <section class="card" aria-labelledby="password-heading">
      <h2 id="password-heading" class="card-title">
        Password
      </h2>
      <form ref={formEl} class="form" onSubmit={onSubmit} novalidate>
        {/* Lets password managers file the new password under the right account. */}
        <input type="email" name="username" autocomplete="username" value={session.user?.email ?? ''} hidden readonly />
        <FormError message={form.banner()} more={form.more()} />
        <Field
          label="Current password"
          name="currentPassword"
          type="password"
          autocomplete="current-password"
          required
          value={currentPassword()}
          onInput={(value) => {
            setCurrentPassword(value)
            form.clearError('currentPassword')
          }}
          error={form.errors().currentPassword}
        />
        <Field
          label="New password"
          name="newPassword"
          type="password"
          autocomplete="new-password"
          required
          hint={`At least ${MIN_PASSWORD_CHARS} characters. Avoid common passwords.`}
          value={newPassword()}
          onInput={(value) => {
            setNewPassword(value)
            form.clearError('newPassword')
          }}
          error={form.errors().newPassword}
        />
        <div class="form-actions">
          <Button type="submit" variant="primary" pending={form.pending()} pendingLabel="Changing…">
            Change password
          </Button>
          <StatusMessage message={status()} />
        </div>
      </form>
    </section>
  )
}
