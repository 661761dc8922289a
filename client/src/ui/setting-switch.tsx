// A settings card holding one on/off switch: its heading, the labelled switch, and the words
// under it that say what it does (read by screen readers as its description).
import type { JSX } from 'solid-js'

export interface SettingSwitchProps {
  id: string
  heading: string
  label: string
  checked: boolean
  busy: boolean
  disabled?: boolean
  /** Gets the input: the handler sets `checked` back to what is true once it knows. */
  onChange: (input: HTMLInputElement) => void
  /** The description, then anything else the card shows. */
  description: JSX.Element
  children?: JSX.Element
}

export function SettingSwitch(props: SettingSwitchProps) {
  return (
    <section class="card" aria-labelledby={`${props.id}-heading`}>
      <h2 id={`${props.id}-heading`} class="card-title">
        {props.heading}
      </h2>
      <div class="switch-row">
        <input
          id={props.id}
          class="toggle-input"
          type="checkbox"
          role="switch"
          checked={props.checked}
          aria-checked={props.checked ? 'true' : 'false'}
          disabled={props.disabled}
          aria-describedby={`${props.id}-description`}
          aria-busy={props.busy ? 'true' : undefined}
          onChange={(event) => props.onChange(event.currentTarget)}
        />
        <label for={props.id}>{props.label}</label>
      </div>
      <p id={`${props.id}-description`} class="muted">
        {props.description}
      </p>
      {props.children}
    </section>
  )
}
