// Quotes of the message a reply answers: inside a reply's bubble (a button that shows the
// original), and above the composer while writing one (with a way to stop replying). The
// preview follows the original as it is edited; once it is deleted the quote says so.
import { Show } from 'solid-js'
import type { ReplyQuote } from '../../../../protocol/api.ts'

/** One line of a quote: whitespace collapsed, as in the chat list. */
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim()

function QuoteText(props: { quote: ReplyQuote }) {
  return (
    <Show when={props.quote.preview !== ''} fallback={<span class="quote-text quote-deleted">Deleted message</span>}>
      <span class="quote-text" dir="auto">
        {oneLine(props.quote.preview)}
      </span>
    </Show>
  )
}

export function MessageQuote(props: { quote: ReplyQuote; author: string; onShow: (seq: number) => void }) {
  return (
    <button
      type="button"
      class="msg-quote"
      title="Show the original message"
      onClick={(event) => {
        // The row's own click and long-press handling is for the bubble, not this.
        event.stopPropagation()
        props.onShow(props.quote.seq)
      }}
    >
      <span class="visually-hidden">In reply to </span>
      <span class="quote-author">{props.author}</span>
      <span class="visually-hidden">: </span>
      <QuoteText quote={props.quote} />
    </button>
  )
}

/** `label`: "Replying to Ada", or "Replying to your message". */
export function ComposerQuote(props: { quote: ReplyQuote; label: string; onCancel: () => void }) {
  return (
    <div class="composer-quote">
      <p class="composer-quote-body">
        <span class="quote-author">{props.label}</span>
        <span class="visually-hidden">: </span>
        <QuoteText quote={props.quote} />
      </p>
      <button type="button" class="composer-quote-cancel" onClick={() => props.onCancel()}>
        <span aria-hidden="true">×</span>
        <span class="visually-hidden">Cancel reply</span>
      </button>
    </div>
  )
}
