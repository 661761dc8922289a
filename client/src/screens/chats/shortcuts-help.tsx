// The keyboard shortcuts of the chats screen, in a modal dialog opened with "?" or the
// "Keyboard shortcuts" button. The native <dialog> keeps focus inside and closes on Escape;
// focus goes back to what had it before.
import { createEffect, createUniqueId, For } from 'solid-js'
import { Button } from '../../ui/button.tsx'

export const SHORTCUTS: { keys: string[]; action: string }[] = [
  { keys: ['/', 'Ctrl K'], action: 'Filter your chats' },
  { keys: ['↑', '↓'], action: 'Move through the chats list' },
  { keys: ['Home', 'End'], action: 'First or last chat in the list' },
  { keys: ['Esc'], action: 'Close the conversation (on small screens)' },
  { keys: ['?'], action: 'Show these shortcuts' },
]

export function ShortcutsHelp(props: { open: boolean; onClose: () => void }) {
  let dialog: HTMLDialogElement | undefined
  let returnTo: HTMLElement | null = null
  const id = `shortcuts-${createUniqueId()}`
  createEffect(() => {
    if (!dialog) return
    if (props.open && !dialog.open) {
      returnTo = document.activeElement instanceof HTMLElement ? document.activeElement : null
      dialog.showModal()
    } else if (!props.open && dialog.open) {
      dialog.close()
      if (returnTo?.isConnected) returnTo.focus()
      returnTo = null
    }
  })
  return (
    <dialog
      ref={dialog}
      class="dialog shortcuts-dialog"
      aria-labelledby={`${id}-title`}
      onCancel={(event) => {
        event.preventDefault()
        props.onClose()
      }}
    >
      <h2 id={`${id}-title`} class="card-title">
        Keyboard shortcuts
      </h2>
      <p class="muted">They work when you are not typing in a field.</p>
      <dl class="shortcuts-list">
        <For each={SHORTCUTS}>
          {(shortcut) => (
            <div class="shortcuts-item">
              <dt>
                <For each={shortcut.keys}>
                  {(key, i) => (
                    <>
                      {i() > 0 ? <span class="muted"> or </span> : null}
                      <kbd>{key}</kbd>
                    </>
                  )}
                </For>
              </dt>
              <dd>{shortcut.action}</dd>
            </div>
          )}
        </For>
      </dl>
      <div class="form-actions">
        <Button variant="secondary" autofocus onClick={() => props.onClose()}>
          Close
        </Button>
      </div>
    </dialog>
  )
}
