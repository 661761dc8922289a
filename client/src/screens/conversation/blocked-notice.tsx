// In place of the composer while either member has blocked the other (CONTRACT.md: Blocking):
// why nothing can be sent, and for one's own block the way to lift it. Unblocking here gives
// focus to the composer that takes this notice's place, so it is not lost with the button.
import { createSignal, Show } from 'solid-js'
import type { BlockState } from '../../../../protocol/api.ts'
import { changeBlock } from '../../chat/block-state.ts'
import type { ChatSession } from '../../chat/chat-session.ts'
import { Button } from '../../ui/button.tsx'

export function BlockedNotice(props: {
  chat: ChatSession
  state: BlockState
  peerName: string
  peerFirstName: string
}) {
  const [busy, setBusy] = createSignal(false)
  return (
    <div class="composer-blocked" role="status">
      <Show when={props.state === 'by-me'} fallback={<p>You can't reply to this conversation.</p>}>
        <p>
          You blocked {props.peerName}. Unblock {props.peerFirstName} to send messages.
        </p>
        <Button
          variant="secondary"
          pending={busy()}
          pendingLabel="Unblocking…"
          onClick={async (event) => {
            if (busy()) return
            const pane = event.currentTarget.closest('.conversation')
            setBusy(true)
            try {
              if (await changeBlock(props.chat, false))
                queueMicrotask(() => pane?.querySelector<HTMLTextAreaElement>('.composer-input')?.focus())
            } finally {
              setBusy(false)
            }
          }}
        >
          Unblock
        </Button>
      </Show>
    </div>
  )
}
