// Edit first and last name (PATCH /api/me).
import { createSignal } from 'solid-js'
import { updateProfile } from '../../accounts.ts'
import { session, setSignedIn } from '../../session.ts'
import { Button } from '../../ui/button.tsx'
import { FormError } from '../../ui/form-error.tsx'
import { createFormState } from '../../ui/form-state.ts'
import { NameFields } from '../../ui/name-fields.tsx'
import { StatusMessage } from '../../ui/status-message.tsx'
import { checkName } from '../../validation.ts'

export function ProfileForm() {
  const [firstName, setFirstName] = createSignal(session.user?.firstName ?? '')
  const [lastName, setLastName] = createSignal(session.user?.lastName ?? '')
  const [status, setStatus] = createSignal<string | null>(null)
  const form = createFormState(['firstName', 'lastName'] as const)
  let formEl: HTMLFormElement | undefined

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault()
    setStatus(null)
    void form.submit(
      formEl,
      () => ({ firstName: checkName(firstName()), lastName: checkName(lastName()) }),
      async () => {
        const { user } = await updateProfile({ firstName: firstName(), lastName: lastName() })
        setSignedIn(user)
        // Show what the server stored (it trims), so the form never disagrees with it.
        setFirstName(user.firstName)
        setLastName(user.lastName)
        setStatus('Your name was saved.')
      },
    )
  }

  return (
    <section class="card" aria-labelledby="profile-heading">
      <h2 id="profile-heading" class="card-title">
        Profile
      </h2>
      <dl class="facts">
        <dt>Email</dt>
        <dd>{session.user?.email}</dd>
      </dl>
      <form ref={formEl} class="form" onSubmit={onSubmit} novalidate>
        <FormError message={form.banner()} more={form.more()} />
        <NameFields
          firstName={firstName()}
          lastName={lastName()}
          onInput={(field, value) => {
            if (field === 'firstName') setFirstName(value)
            else setLastName(value)
            form.clearError(field)
          }}
          errors={form.errors()}
          ownName={true}
        />
        <div class="form-actions">
          <Button type="submit" variant="primary" pending={form.pending()} pendingLabel="Saving…">
            Save name
          </Button>
          <StatusMessage message={status()} />
        </div>
      </form>
    </section>
  )
}
