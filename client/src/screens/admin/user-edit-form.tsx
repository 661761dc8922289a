// Edit a user's names and flags (PATCH /api/admin/users/:id): only what changed is sent,
// deactivating asks first, and the server's field errors show under their fields.
import { createSignal, Show } from 'solid-js'
import { type AdminUser, type AdminUserPatch, updateUser } from '../../admin/admin-api.ts'
import { session } from '../../session.ts'
import { Button } from '../../ui/button.tsx'
import { ConfirmDialog } from '../../ui/confirm-dialog.tsx'
import { FormError } from '../../ui/form-error.tsx'
import { createFormState } from '../../ui/form-state.ts'
import { NameFields } from '../../ui/name-fields.tsx'
import { StatusMessage } from '../../ui/status-message.tsx'
import { checkName } from '../../validation.ts'
import { ToggleField } from './toggle-field.tsx'

const FIELDS = ['firstName', 'lastName', 'isActive', 'isStaff'] as const

function outcome(user: AdminUser, patch: AdminUserPatch): string {
  if (patch.isActive === false) return `Saved. ${user.email} is deactivated and was signed out everywhere.`
  if (patch.isActive === true) return `Saved. ${user.email} is active and can sign in again.`
  return 'Saved.'
}

export function UserEditForm(props: { user: AdminUser; onSaved: (user: AdminUser) => void }) {
  const [firstName, setFirstName] = createSignal(props.user.firstName)
  const [lastName, setLastName] = createSignal(props.user.lastName)
  const [isActive, setIsActive] = createSignal(props.user.isActive)
  const [isStaff, setIsStaff] = createSignal(props.user.isStaff)
  const [confirming, setConfirming] = createSignal(false)
  // "Saved." describes the last save: it goes as soon as anything is changed again.
  const [status, setStatus] = createSignal<string | null>(null)
  const form = createFormState(FIELDS)
  let formEl: HTMLFormElement | undefined

  const me = () => session.user
  const isSelf = () => me()?.id === props.user.id
  const mayEdit = () => isSelf() || !!me()?.isSuperuser || !(props.user.isStaff || props.user.isSuperuser)
  const maySetStaff = () => !!me()?.isSuperuser

  const changes = (): AdminUserPatch => {
    const patch: AdminUserPatch = {}
    if (firstName().trim() !== props.user.firstName) patch.firstName = firstName()
    if (lastName().trim() !== props.user.lastName) patch.lastName = lastName()
    if (isActive() !== props.user.isActive) patch.isActive = isActive()
    if (maySetStaff() && isStaff() !== props.user.isStaff) patch.isStaff = isStaff()
    return patch
  }
  const check = () => ({ firstName: checkName(firstName()), lastName: checkName(lastName()) })

  const save = () =>
    void form.submit(formEl, check, async () => {
      const patch = changes()
      if (Object.keys(patch).length === 0) {
        setStatus('Nothing to save: no field was changed.')
        return
      }
      const { user } = await updateUser(props.user.id, patch)
      props.onSaved(user)
      // Show what the server stored (it trims names), so the form never disagrees with it.
      setFirstName(user.firstName)
      setLastName(user.lastName)
      setIsActive(user.isActive)
      setIsStaff(user.isStaff)
      setStatus(outcome(user, patch))
    })

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault()
    setStatus(null)
    const deactivating = props.user.isActive && !isActive()
    // Bad names are reported first; the question only comes for a change that can be saved.
    if (deactivating && !Object.values(check()).some(Boolean)) setConfirming(true)
    else save()
  }

  return (
    <section class="card" aria-labelledby="user-edit-heading">
      <h2 id="user-edit-heading" class="card-title">
        Edit
      </h2>
      <Show when={!mayEdit()}>
        <p class="notice">Only a superuser can edit another staff member or a superuser.</p>
      </Show>
      <form ref={formEl} class="form" onSubmit={onSubmit} novalidate>
        <FormError message={form.banner()} more={form.more()} />
        <fieldset class="plain-fieldset" disabled={!mayEdit()}>
          <legend class="visually-hidden">Account details</legend>
          <div class="form">
            <NameFields
              firstName={firstName()}
              lastName={lastName()}
              onInput={(field, value) => {
                if (field === 'firstName') setFirstName(value)
                else setLastName(value)
                form.clearError(field)
                setStatus(null)
              }}
              errors={form.errors()}
              ownName={false}
            />
            <ToggleField
              label="Active"
              name="isActive"
              checked={isActive()}
              onChange={(value) => {
                setIsActive(value)
                form.clearError('isActive')
                setStatus(null)
              }}
              disabled={isSelf()}
              hint={
                isSelf()
                  ? 'You cannot deactivate your own account.'
                  : 'A deactivated user is signed out everywhere at once and cannot sign in.'
              }
              error={form.errors().isActive}
            />
            <Show when={maySetStaff()}>
              <ToggleField
                label="Staff"
                name="isStaff"
                checked={isStaff()}
                onChange={(value) => {
                  setIsStaff(value)
                  form.clearError('isStaff')
                  setStatus(null)
                }}
                disabled={isSelf()}
                hint={
                  isSelf()
                    ? 'You cannot remove your own staff role.'
                    : 'Staff can open these admin pages and edit members.'
                }
                error={form.errors().isStaff}
              />
            </Show>
          </div>
        </fieldset>
        <Show when={mayEdit()}>
          <div class="form-actions">
            <Button type="submit" variant="primary" pending={form.pending()} pendingLabel="Saving…">
              Save changes
            </Button>
            <StatusMessage message={status()} />
          </div>
        </Show>
      </form>
      <ConfirmDialog
        open={confirming()}
        title={`Deactivate ${props.user.email}?`}
        confirmLabel="Deactivate"
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false)
          save()
        }}
      >
        <p>They will be signed out on every device right away and cannot sign in until someone reactivates them.</p>
      </ConfirmDialog>
    </section>
  )
}
