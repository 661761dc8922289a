// The composer's attach button: it opens the system's file chooser (several files at once).
// The input itself stays out of sight and out of the Tab order; the button is what people use.
export function AttachmentPicker(props: { disabled: boolean; onFiles: (files: File[]) => void }) {
  let input: HTMLInputElement | undefined
  return (
    <>
      <button
        type="button"
        class="composer-attach"
        aria-disabled={props.disabled ? 'true' : undefined}
        onClick={() => {
          if (!props.disabled) input?.click()
        }}
      >
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
          <path
            d="M20.5 11.5 12.3 19.7a5 5 0 0 1-7.1-7.1l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4l7.8-7.8"
            fill="none"
            stroke="currentColor"
            stroke-width="1.8"
            stroke-linecap="round"
            stroke-linejoin="round"
          />
        </svg>
        <span class="visually-hidden">Attach files</span>
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        tabindex="-1"
        onChange={(event) => {
          const files = [...(event.currentTarget.files ?? [])]
          // Cleared, so choosing the same file again is a change too.
          event.currentTarget.value = ''
          if (files.length > 0) props.onFiles(files)
        }}
      />
    </>
  )
}
