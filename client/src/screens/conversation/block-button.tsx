// Block / Unblock in the conversation header. Blocking asks first and says what it does;
// unblocking only gives back what blocking took away, so it needs no question.
import { createSignal } from 'solid-js'
import { changeBlock } from '../../chat/block-state.ts'
import type { ChatSession } from '../../chat/chat-session.ts'
import { Button } from '../../ui/button.tsx'
import { ConfirmDialog } from '../../ui/confirm-dialog.tsx'

export function BlockButton(props: { chat: ChatSession; peerName: string }) {
  const [asking, setAsking] = createSignal(false)
  const [busy, setBusy] = createSignal(false)
  const mine = () => props.chat.store.state.blocked === 'by-me'

  async function run(block: boolean): Promise<void> {
    if (busy()) return
    setBusy(true)
    try {
      await changeBlock(props.chat, block)
    } finally {
      setBusy(false)
    }
  }

  return (
    <>
      <Button
        variant={mine() ? 'secondary' : 'quiet'}
        class="conv-block"
        pending={busy()}
        pendingLabel={mine() ? 'Unblocking…' : 'Blocking…'}
        aria-label={mine() ? `Unblock ${props.peerName}` : `Block ${props.peerName}`}
        onClick={() => (mine() ? void run(false) : setAsking(true))}
      >
        {mine() ? 'Unblock' : 'Block'}
      </Button>
      <ConfirmDialog
        open={asking()}
        title={`Block ${props.peerName}?`}
        confirmLabel="Block"
        onConfirm={() => {
          setAsking(false)
          void run(true)
        }}
        onCancel={() => setAsking(false)}
      >
        <p>
          Neither of you will be able to send messages, edit them or react in this conversation until you unblock{' '}
          {props.peerName}. You both keep the conversation: reading it and deleting your own messages still work.
        </p>
        <p>{props.peerName} will see that they can't reply. You can unblock them here or in Settings → Privacy.</p>
      </ConfirmDialog>
    </>
  )
}
