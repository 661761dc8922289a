// Chats: the conversation list beside the open conversation on wide screens; on phones one
// or the other, with a way back. Serves both "/" and "/c/:peerId" without remounting.
import { useParams } from '@solidjs/router'
import { Show } from 'solid-js'
import { knownPeer } from '../../chat/peers.ts'
import { displayName } from '../../session.ts'
import { usePageTitle } from '../../ui/page-title.ts'
import { ConversationPane } from '../conversation/conversation-pane.tsx'
import { ConversationList } from './conversation-list.tsx'

export function ChatsScreen() {
  const params = useParams<{ peerId?: string }>()
  const peerId = () => params.peerId ?? null
  // Opening a conversation from within the app moves focus into it; a page load does not.
  const initialPeer = peerId()
  let firstPane = true
  const focusOnOpen = (id: string) => {
    const focus = !(firstPane && id === initialPeer)
    firstPane = false
    return focus
  }

  usePageTitle(() => {
    const id = peerId()
    const peer = id ? knownPeer(id) : undefined
    return peer ? displayName(peer) : 'Chats'
  })

  return (
    <div class="chats" classList={{ 'chats-open': peerId() !== null }}>
      <div class="chats-list-pane">
        <ConversationList activePeer={peerId()} />
      </div>
      <div class="chats-conversation-pane">
        <Show
          when={peerId()}
          keyed
          fallback={
            <div class="chats-placeholder">
              <p class="muted">Choose a conversation, or start a new one.</p>
            </div>
          }
        >
          {(id) => <ConversationPane peerId={id} focusOnOpen={focusOnOpen(id)} />}
        </Show>
      </div>
    </div>
  )
}
