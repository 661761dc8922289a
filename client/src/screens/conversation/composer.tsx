// Writing a message: Enter sends, Shift+Enter starts a new line, a counter appears near the
// 4,000-character limit, and typing tells the peer (at most every two seconds). A reply shows
// the quote it answers above the field; Escape or its × stops replying. Files join the message
// from the attach button, by pasting, or dropped on the conversation (conversation-pane.tsx);
// they show as chips uploading above the field, and a message of files alone needs no text.
// What is typed, and the message answered, stay as the conversation's draft (drafts.ts) through
// switching conversations and reloads, until sent.
import { createEffect, createMemo, createSignal, createUniqueId, on, onCleanup, onMount, Show } from 'solid-js'
import { MAX_BODY_CHARS } from '../../../../protocol/frames.ts'
import { codePointLength } from '../../../../protocol/text.ts'
import type { ChatSession } from '../../chat/chat-session.ts'
import { cachedDraft, keepDraft, loadDraft } from '../../chat/drafts.ts'
import { quoteOf } from '../../chat/message-changes.ts'
import { AttachmentChips } from './attachment-chips.tsx'
import { AttachmentPicker } from './attachment-picker.tsx'
import { ComposerQuote } from './reply-quote.tsx'

/** The counter shows from here on. */
const COUNTER_FROM = MAX_BODY_CHARS - 500
const MAX_ROWS_PX = 180

const characters = (n: number) => `${n.toLocaleString()} ${n === 1 ? 'character' : 'characters'}`

export interface ComposerProps {
  chat: ChatSession
  me: string
  peerName: string
  peerFirstName: string
  disabled: boolean
  autofocus: boolean
}

export function Composer(props: ComposerProps) {
  const id = `composer-${createUniqueId()}`
  const known = cachedDraft(props.me, props.chat.peerId)
  const [text, setText] = createSignal(known?.text ?? '')
  let area: HTMLTextAreaElement | undefined
  const state = props.chat.store.state
  /** Set once the person typed or chose a reply here: a draft read later must not overwrite that. */
  let touched = false

  function keep(now = false): void {
    keepDraft(props.me, props.chat.peerId, { text: text(), replyTo: state.replyingTo }, now)
  }

  /** The message being answered, as it is now (it may be edited meanwhile). */
  const original = createMemo(() => {
    const seq = state.replyingTo
    const m = seq === null ? undefined : props.chat.store.messageBySeq(seq)
    // "Not here" comes from an index that is not tracked: a reply restored from a draft before
    // the history is in must still show once it is.
    if (seq !== null && !m) void state.messages.length
    return m && m.seq !== null && !m.deletedAt ? m : undefined
  })
  // Choosing "Reply" puts the person here, ready to write.
  createEffect(on(original, (m) => m && area?.focus(), { defer: true }))
  // Choosing or dropping a reply is part of the draft too.
  createEffect(
    on(
      () => state.replyingTo,
      () => {
        touched = true
        keep()
      },
      { defer: true },
    ),
  )

  const length = () => codePointLength(text().trim())
  const over = () => length() > MAX_BODY_CHARS
  const files = () => state.drafts
  // A file the server refused must be taken out first: the message would go without it.
  const filesOk = () => !files().some((f) => f.status === 'failed')
  const canSend = () => !props.disabled && (length() > 0 || files().length > 0) && !over() && filesOk()

  function attach(chosen: File[]): void {
    if (!props.disabled) props.chat.attach(chosen)
  }

  function growToContent(): void {
    if (!area) return
    // CSSOM writes are allowed by the CSP (style-src 'self'); style attributes in markup are not.
    area.style.height = 'auto'
    // Empty, it is one line whatever the placeholder: a long name must not grow it (it is
    // cut with an ellipsis instead, see .composer-input::placeholder).
    if (area.value === '') return
    area.style.height = `${Math.min(area.scrollHeight, MAX_ROWS_PX)}px`
  }

  function send(): void {
    if (!canSend()) return
    props.chat.send(text().trim())
    touched = true
    setText('')
    // Sent: the draft goes now, not after a pause a reload might cut short.
    keep(true)
    queueMicrotask(growToContent)
  }

  onMount(() => {
    growToContent()
    if (props.autofocus) area?.focus()
    // The conversation's session may be new while the draft is not (it keeps only a few).
    const answer = (seq: number | null) => {
      if (seq !== null && state.replyingTo === null) props.chat.replyTo(seq)
    }
    if (known) {
      answer(known.replyTo)
      return
    }
    // First time in this page: the draft comes from IndexedDB, a moment after the composer.
    void loadDraft(props.me, props.chat.peerId).then((draft) => {
      if (touched || !area) return
      if (draft.text !== '') {
        setText(draft.text)
        growToContent()
      }
      answer(draft.replyTo)
    })
  })
  // Leaving the conversation (or the page) writes the draft without waiting for the pause.
  onCleanup(() => {
    if (touched) keep(true)
  })

  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault()
        send()
      }}
    >
      <Show when={original()}>
        {(m) => (
          <ComposerQuote
            quote={quoteOf({ ...m(), seq: m().seq! })}
            label={m().senderId === props.me ? 'Replying to your message' : `Replying to ${props.peerFirstName}`}
            onCancel={() => {
              props.chat.replyTo(null)
              area?.focus()
            }}
          />
        )}
      </Show>
      <AttachmentChips
        files={files()}
        onRemove={(localId) => {
          props.chat.removeFile(localId)
          area?.focus()
        }}
      />
      <Show when={state.attachProblem}>
        {(problem) => (
          <p class="composer-problem" role="alert">
            <span>{problem()}</span>
            <button
              type="button"
              class="composer-quote-cancel"
              onClick={() => {
                props.chat.store.setState('attachProblem', null)
                area?.focus()
              }}
            >
              <span aria-hidden="true">×</span>
              <span class="visually-hidden">Dismiss</span>
            </button>
          </p>
        )}
      </Show>
      <label for={id} class="visually-hidden">
        Message {props.peerName}
      </label>
      <AttachmentPicker disabled={props.disabled} onFiles={attach} />
      <textarea
        ref={area}
        id={id}
        class="composer-input"
        dir="auto"
        rows={1}
        placeholder={`Message ${props.peerName}`}
        enterkeyhint="send"
        aria-describedby={length() >= COUNTER_FROM ? `${id}-count` : undefined}
        aria-invalid={over() ? 'true' : undefined}
        value={text()}
        onPaste={(event) => {
          // A copied photo (or file) joins the message; text with it is pasted as text instead.
          const data = event.clipboardData
          const pasted = [...(data?.files ?? [])]
          if (pasted.length === 0 || (data?.getData('text/plain') ?? '') !== '') return
          event.preventDefault()
          attach(pasted)
        }}
        onInput={(event) => {
          const value = event.currentTarget.value
          touched = true
          setText(value)
          keep()
          growToContent()
          if (value.trim() !== '') props.chat.typing()
        }}
        onKeyDown={(event) => {
          // Enter sends; Shift+Enter is a new line; an IME composing text keeps its Enter.
          if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
            event.preventDefault()
            send()
          } else if (event.key === 'Escape' && original()) {
            event.preventDefault()
            props.chat.replyTo(null)
          }
        }}
      />
      <Show when={length() >= COUNTER_FROM}>
        <span id={`${id}-count`} class="composer-count" classList={{ 'composer-count-over': over() }}>
          {over()
            ? `${characters(length() - MAX_BODY_CHARS)} over the limit of ${MAX_BODY_CHARS.toLocaleString()}`
            : `${characters(MAX_BODY_CHARS - length())} left`}
        </span>
      </Show>
      <button type="submit" class="composer-send" aria-disabled={canSend() ? undefined : 'true'}>
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
          <path d="M3.4 20.4 21 12 3.4 3.6l.1 6.5L15 12l-11.5 1.9z" fill="currentColor" />
        </svg>
        <span class="visually-hidden">Send</span>
      </button>
    </form>
  )
}
