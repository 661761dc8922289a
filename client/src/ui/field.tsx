// A labelled text input whose hint and error are tied to it for assistive technology.
import { createUniqueId, type JSX, Show } from 'solid-js'

export interface FieldProps {
  label: string
  name: string
  value: string
  onInput: (value: string) => void
  type?: 'text' | 'email' | 'password'
  autocomplete?: JSX.InputHTMLAttributes<HTMLInputElement>['autocomplete']
  error?: string | undefined
  hint?: string
  required?: boolean
  optional?: boolean
}

export function Field(props: FieldProps) {
  const id = `field-${createUniqueId()}`
  const hintId = `${id}-hint`
  const errorId = `${id}-error`
  const describedBy = () =>
    [props.error ? errorId : null, props.hint ? hintId : null].filter((part) => part !== null).join(' ') || undefined

  return (
    <div class="field">
      <label for={id} class="field-label">
        {props.label}
        <Show when={props.optional}>
          <span class="field-optional"> (optional)</span>
        </Show>
      </label>
      <input
        id={id}
        class="field-input"
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        onInput={(event) => props.onInput(event.currentTarget.value)}
        autocomplete={props.autocomplete}
        required={props.required}
        spellcheck={false}
        autocapitalize={props.type === 'text' ? 'words' : 'none'}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy()}
      />
      <Show when={props.error}>
        <p id={errorId} class="field-error">
          {props.error}
        </p>
      </Show>
      <Show when={props.hint}>
        <p id={hintId} class="field-hint">
          {props.hint}
        </p>
      </Show>
    </div>
  )
}
