// The banner for a form's overall failure: the server's `detail`, announced as an alert.
import { For, Show } from 'solid-js'

export interface FormErrorProps {
  message: string | null
  /** Messages for fields this form has no input for, so none is lost. */
  more?: string[]
}

export function FormError(props: FormErrorProps) {
  return (
    <Show when={props.message}>
      <div class="form-error" role="alert">
        <p>{props.message}</p>
        <Show when={(props.more ?? []).length > 0}>
          <ul>
            <For each={props.more}>{(line) => <li>{line}</li>}</For>
          </ul>
        </Show>
      </div>
    </Show>
  )
}
