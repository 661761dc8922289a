// Editing one's own message in place of its bubble: Enter saves, Shift+Enter is a new line,
// Escape cancels. The body rules are the composer's (trimmed, 1 to 4,000 characters).
import { createSignal, createUniqueId, onMount, Show } from 'solid-js'
import { MAX_BODY_CHARS } from '../../../../protocol/frames.ts'
import { codePointLength } from '../../../../protocol/text.ts'

const MAX_ROWS_PX = 220

export function MessageEditor(props: { body: string; onSave: (body: string) => void; onCancel: () => void }) {
  const id = `edit-${createUniqueId()}`
  const [text, setText] = createSignal(props.body)
  let area: HTMLTextAreaElement | undefined

  const length = () => codePointLength(text().trim())
  const problem = () => {
    if (length() === 0) return 'A message needs some text. To remove it, delete it instead.'
    if (length() > MAX_BODY_CHARS) return `A message has at most ${MAX_BODY_CHARS.toLocaleString()} characters.`
    return null
  }

  function grow(): void {
    if (!area) return
    area.style.height = 'auto'
    area.style.height = `${Math.min(area.scrollHeight, MAX_ROWS_PX)}px`
  }

  function save(): void {
    if (problem()) return
    const body = text().trim()
    if (body === props.body) props.onCancel()
    else props.onSave(body)
  }

  onMount(() => {
    grow()
    area?.focus()
    area?.setSelectionRange(text().length, text().length)
  })

  return (
    <form
      class="msg-editor"
      onSubmit={(event) => {
        event.preventDefault()
        save()
      }}
    >
      <label for={id} class="visually-hidden">
        Edit message
      </label>
      <textarea
        ref={area}
        id={id}
        class="msg-editor-input"
        dir="auto"
        rows={1}
        value={text()}
        enterkeyhint="done"
        aria-invalid={problem() ? 'true' : undefined}
        aria-describedby={`${id}-hint`}
        onInput={(event) => {
          setText(event.currentTarget.value)
          grow()
        }}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.preventDefault()
            event.stopPropagation()
            props.onCancel()
          } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
            event.preventDefault()
            save()
          }
        }}
      />
      <p id={`${id}-hint`} class="msg-editor-hint">
        <Show when={problem()} fallback="Enter to save, Escape to cancel.">
          {(text) => <span class="msg-editor-problem">{text()}</span>}
        </Show>
      </p>
      <div class="msg-editor-actions">
        <button type="button" class="button button-secondary button-small" onClick={() => props.onCancel()}>
          Cancel
        </button>
        <button type="submit" class="button button-primary button-small" aria-disabled={problem() ? 'true' : undefined}>
          Save
        </button>
      </div>
    </form>
  )
}
