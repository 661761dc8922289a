// Settings → Delete account (DELETE /api/me): the password, then a confirmation that says
// what happens (CONTRACT.md: Deleting an account); afterwards the sign-in screen says so.
import { createSignal } from 'solid-js'
import { deleteAccount } from '../../accounts.ts'
import { clearSession, session, signingOutWhile } from '../../session.ts'
import { Button } from '../../ui/button.tsx'
import { ConfirmDialog } from '../../ui/confirm-dialog.tsx'
import { Field } from '../../ui/field.tsx'
import { FormError } from '../../ui/form-error.tsx'
import { createFormState } from '../../ui/form-state.ts'
import { checkPresent } from '../../validation.ts'

export function DeleteAccount() {
  const [password, setPassword] = createSignal('')
  const [confirming, setConfirming] = createSignal(false)
  const form = createFormState(['password'] as const)
  let formEl: HTMLFormElement | undefined

  const check = () => ({ password: checkPresent(password(), 'Enter your password.') })

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault()
    // The password is checked by the server only once the person has confirmed.
    if (check().password) void form.submit(formEl, check, async () => {})
    else setConfirming(true)
  }

  const onConfirm = () => {
    setConfirming(false)
    void form.submit(formEl, check, async () => {
      // Its sockets close with 4401 on the way: that is this deletion, not an expired session.
      await signingOutWhile(() => deleteAccount(password()))
      clearSession('deleted')
    })
  }

  return (
    <section class="card" aria-labelledby="delete-account-heading">
      <h2 id="delete-account-heading" class="card-title">
        Delete account
      </h2>
      <p class="muted">
        Delete your account and everything you sent. The people you talked to keep their conversations, with your
        messages shown as deleted. This cannot be undone.
      </p>
      <form ref={formEl} class="form" onSubmit={onSubmit} novalidate>
        <input type="email" name="username" autocomplete="username" value={session.user?.email ?? ''} hidden readonly />
        <FormError message={form.banner()} more={form.more()} />
        <Field
          label="Your password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          hint="To make sure it is you."
          value={password()}
          onInput={(value) => {
            setPassword(value)
            form.clearError('password')
          }}
          error={form.errors().password}
        />
        <div class="form-actions">
          <Button type="submit" variant="danger" pending={form.pending()} pendingLabel="Deleting…">
            Delete account…
          </Button>
        </div>
      </form>
      <ConfirmDialog
        open={confirming()}
        title="Delete your account?"
        confirmLabel="Delete my account"
        onConfirm={onConfirm}
        onCancel={() => setConfirming(false)}
      >
        <p>This cannot be undone. Right away:</p>
        <ul class="dialog-list">
          <li>You are signed out on every device.</li>
          <li>
            Every message you sent is deleted in every conversation, with its photos and files, and your reactions are
            removed. The people you talked to keep the conversation, see your messages as deleted and see you as
            “Deleted account”.
          </li>
          <li>Your name, notifications, blocks and push subscriptions are removed.</li>
          <li>Your email address can be used to register again.</li>
        </ul>
      </ConfirmDialog>
    </section>
  )
}
