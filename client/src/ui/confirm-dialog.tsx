// A modal question before a step that cannot be undone (deactivating someone, deleting a
// message). The native <dialog> keeps focus inside, closes on Escape and gives focus back to
// what opened it.
import { createEffect, createUniqueId, type JSX } from 'solid-js'
import { Button } from './button.tsx'

export interface ConfirmDialogProps {
  open: boolean
  title: string
  confirmLabel: string
  onConfirm: () => void
  onCancel: () => void
  children: JSX.Element
}

export function ConfirmDialog(props: ConfirmDialogProps) {
  let dialog: HTMLDialogElement | undefined
  const id = `confirm-${createUniqueId()}`
  createEffect(() => {
    if (!dialog) return
    if (props.open && !dialog.open) dialog.showModal()
    else if (!props.open && dialog.open) dialog.close()
  })
  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-body`}
      onCancel={(event) => {
        // Escape: the parent decides, so its `open` stays the single truth.
        event.preventDefault()
        props.onCancel()
      }}
    >
      <h2 id={`${id}-title`} class="card-title">
        {props.title}
      </h2>
      <div id={`${id}-body`} class="dialog-body">
        {props.children}
      </div>
      <div class="form-actions">
        {/* The harmless choice has focus, so Enter does not do it by accident. */}
        <Button variant="secondary" autofocus onClick={() => props.onCancel()}>
          Cancel
        </Button>
        <Button variant="danger" onClick={() => props.onConfirm()}>
          {props.confirmLabel}
        </Button>
      </div>
    </dialog>
  )
}
