// An on/off checkbox drawn as a switch, whose hint and error are tied to it.
import { createUniqueId, Show } from 'solid-js'

export interface ToggleFieldProps {
  label: string
  name: string
  checked: boolean
  onChange: (checked: boolean) => void
  hint?: string | undefined
  error?: string | undefined
  disabled?: boolean
}

export function ToggleField(props: ToggleFieldProps) {
  const id = `toggle-${createUniqueId()}`
  const describedBy = () =>
    [props.error ? `${id}-error` : null, props.hint ? `${id}-hint` : null].filter(Boolean).join(' ') || undefined
  return (
    <div class="field toggle-field">
      <div class="toggle-row">
        <input
          id={id}
          class="toggle-input"
          type="checkbox"
          name={props.name}
          checked={props.checked}
          disabled={props.disabled}
          onChange={(event) => props.onChange(event.currentTarget.checked)}
          aria-invalid={props.error ? 'true' : undefined}
          aria-describedby={describedBy()}
        />
        <label for={id} class="field-label">
          {props.label}
        </label>
      </div>
      <Show when={props.error}>
        <p id={`${id}-error`} class="field-error">
          {props.error}
        </p>
      </Show>
      <Show when={props.hint}>
        <p id={`${id}-hint`} class="field-hint">
          {props.hint}
        </p>
      </Show>
    </div>
  )
}
