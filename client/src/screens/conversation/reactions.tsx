// The reactions under a bubble: each emoji with its count, naming who reacted. Pressing one's
// own takes it back; pressing the peer's adds the same emoji.
import { For, Show } from 'solid-js'
import { reactionLabel, reactorNames } from '../../chat/reaction-summary.ts'

export interface ReactionsProps {
  reactions: Record<string, string[]> | undefined
  me: string
  peerName: string
  onToggle: (emoji: string, on: boolean) => void
  /** Shown, not pressed: the conversation is blocked. */
  readOnly?: boolean | undefined
}

export function Reactions(props: ReactionsProps) {
  const entries = () => Object.entries(props.reactions ?? {}).filter(([, ids]) => ids.length > 0)
  return (
    <Show when={entries().length > 0}>
      <fieldset class="msg-reactions" aria-label="Reactions">
        <For each={entries()}>
          {([emoji, ids]) => {
            const mine = () => ids.includes(props.me)
            return (
              <button
                type="button"
                class="reaction"
                classList={{ 'reaction-mine': mine() }}
                aria-pressed={mine() ? 'true' : 'false'}
                disabled={props.readOnly}
                aria-label={reactionLabel(emoji, ids, props.me, props.peerName)}
                title={reactorNames(ids, props.me, props.peerName)}
                onClick={(event) => {
                  event.stopPropagation()
                  props.onToggle(emoji, !mine())
                }}
              >
                <span class="reaction-emoji" aria-hidden="true">
                  {emoji}
                </span>
                <span class="reaction-count" aria-hidden="true">
                  {ids.length}
                </span>
              </button>
            )
          }}
        </For>
      </fieldset>
    </Show>
  )
}
