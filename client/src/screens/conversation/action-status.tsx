// The polite line between the log and the composer that says why an edit, deletion, reaction
// or quote did not work. The live region stays mounted, so each new sentence is announced.
import { Show } from 'solid-js'

export function ActionStatus(props: { problem: string | null; onDismiss: () => void }) {
  return (
    <div class="action-status" role="status">
      <Show when={props.problem}>
        {(problem) => (
          <p class="action-status-line">
            <span>{problem()}</span>
            <button type="button" class="link-button" onClick={() => props.onDismiss()}>
              Dismiss
            </button>
          </p>
        )}
      </Show>
    </div>
  )
}
