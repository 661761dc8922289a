// Narrow the audit log to one actor and/or one target. People think in emails, the API
// filters by id, so an email is turned into its user's id first.
import { createEffect, createSignal } from 'solid-js'
import { listUsers } from '../../admin/admin-api.ts'
import { rememberUsers } from '../../admin/user-directory.ts'
import { ApiError } from '../../api.ts'
import { Button } from '../../ui/button.tsx'
import { Field } from '../../ui/field.tsx'
import { FormError } from '../../ui/form-error.tsx'
import { createFormState } from '../../ui/form-state.ts'
import { userEmail } from './user-link.tsx'

export interface AuditFilter {
  actorId: string
  targetId: string
}

/** The id for an email (exact match), or the text itself when it is not an email. */
async function resolve(text: string): Promise<string | null> {
  const value = text.trim()
  if (!value.includes('@')) return value
  const email = value.toLowerCase()
  const { users } = await listUsers(email, 1, 100)
  rememberUsers(users)
  return users.find((u) => u.email === email)?.id ?? null
}

export function AuditFilterForm(props: { filter: AuditFilter; onApply: (filter: AuditFilter) => void }) {
  // An id the directory knows is shown as its email, which is what a person typed.
  const [actor, setActor] = createSignal('')
  const [target, setTarget] = createSignal('')
  createEffect(() => setActor(props.filter.actorId && userEmail(props.filter.actorId)))
  createEffect(() => setTarget(props.filter.targetId && userEmail(props.filter.targetId)))
  const form = createFormState(['actor', 'target'] as const)
  let formEl: HTMLFormElement | undefined

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault()
    void form.submit(
      formEl,
      () => ({}),
      async () => {
        const [actorId, targetId] = await Promise.all([resolve(actor()), resolve(target())])
        const errors: Record<string, string> = {}
        if (actorId === null) errors.actor = 'No user has this email.'
        if (targetId === null) errors.target = 'No user has this email.'
        if (actorId === null || targetId === null) {
          throw new ApiError({
            type: 'about:blank',
            title: 'Unknown email',
            status: 400,
            detail: 'Check the emails below, or paste a user id instead.',
            errors,
          })
        }
        props.onApply({ actorId, targetId })
      },
    )
  }

  return (
    <form ref={formEl} class="form filter-form" aria-label="Filter the audit log" onSubmit={onSubmit} novalidate>
      <FormError message={form.banner()} more={form.more()} />
      <div class="field-row">
        <Field
          label="Actor"
          name="actor"
          optional
          hint="Email or user id of the staff member who acted."
          value={actor()}
          onInput={(value) => {
            setActor(value)
            form.clearError('actor')
          }}
          error={form.errors().actor}
        />
        <Field
          label="Target"
          name="target"
          optional
          hint="Email or id of the user, or id of the conversation, acted on."
          value={target()}
          onInput={(value) => {
            setTarget(value)
            form.clearError('target')
          }}
          error={form.errors().target}
        />
      </div>
      <div class="form-actions">
        <Button type="submit" variant="primary" pending={form.pending()} pendingLabel="Filtering…">
          Filter
        </Button>
        <Button
          variant="secondary"
          onClick={() => {
            form.reset()
            props.onApply({ actorId: '', targetId: '' })
          }}
        >
          Clear filters
        </Button>
      </div>
    </form>
  )
}
