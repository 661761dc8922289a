// First and last name side by side, with the server's field errors: the profile form and
// the admin user form edit the same two names.
import { Field } from './field.tsx'

type NameField = 'firstName' | 'lastName'

export interface NameFieldsProps {
  firstName: string
  lastName: string
  onInput: (field: NameField, value: string) => void
  errors: Partial<Record<NameField, string>>
  /** Autofill the person's own name; off when staff edit someone else's. */
  ownName: boolean
}

export function NameFields(props: NameFieldsProps) {
  return (
    <div class="field-row">
      <Field
        label="First name"
        name="firstName"
        autocomplete={props.ownName ? 'given-name' : 'off'}
        value={props.firstName}
        onInput={(value) => props.onInput('firstName', value)}
        error={props.errors.firstName}
      />
      <Field
        label="Last name"
        name="lastName"
        autocomplete={props.ownName ? 'family-name' : 'off'}
        value={props.lastName}
        onInput={(value) => props.onInput('lastName', value)}
        error={props.errors.lastName}
      />
    </div>
  )
}
