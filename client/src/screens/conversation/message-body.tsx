// A message's text: links are real anchors that open in a new tab without telling the
// site where they came from; everything else is text, never HTML. A few emoji alone show
// larger.
import { For } from 'solid-js'
import { isEmojiOnly, messageParts } from '../../chat/message-text.ts'

export function MessageBody(props: { body: string }) {
  return (
    <p class="msg-body" classList={{ 'msg-emoji-only': isEmojiOnly(props.body) }} dir="auto">
      <For each={messageParts(props.body)}>
        {(part) =>
          part.kind === 'link' ? (
            <a class="msg-link" href={part.href} target="_blank" rel="noopener noreferrer">
              {part.text}
            </a>
          ) : (
            part.text
          )
        }
      </For>
    </p>
  )
}
