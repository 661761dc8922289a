// An open conversation: header, connection state, the message log and the composer, wired
// to the conversation's chat session for as long as it is on screen. Files dropped on it join
// the next message; its photos open in one viewer.
import { createMemo, createUniqueId, onCleanup, onMount, Show } from 'solid-js'
import { isInlineImage } from '../../chat/attachment-rules.ts'
import { followListedBlock } from '../../chat/block-state.ts'
import { acquireChat } from '../../chat/chat-session.ts'
import { knownPeer } from '../../chat/peers.ts'
import { openPeer, setOpenPeer } from '../../notifications/open-conversation.ts'
import { closeSystemNotifications } from '../../notifications/system-notification.ts'
import { dismissToastsFor } from '../../notifications/toast-store.ts'
import { displayName, session } from '../../session.ts'
import { ActionStatus } from './action-status.tsx'
import { BlockButton } from './block-button.tsx'
import { BlockedNotice } from './blocked-notice.tsx'
import { Composer } from './composer.tsx'
import { ConnectionStatus } from './connection-status.tsx'
import { ConversationHeader } from './conversation-header.tsx'
import { DeletedPeerNotice } from './deleted-peer-notice.tsx'
import { createFileDrop, DropOverlay, FOLDERS_REFUSED } from './file-drop.tsx'
import { ImageViewerProvider } from './image-viewer.tsx'
import { MessageLog } from './message-log.tsx'
import { NoSuchConversation } from './no-such-conversation.tsx'

const WIDE = '(min-width: 900px)'

export function ConversationPane(props: { peerId: string; focusOnOpen: boolean }) {
  const me = session.user!.id
  const { session: chat, release } = acquireChat(me, props.peerId)
  const state = chat.store.state
  let heading: HTMLHeadingElement | undefined
  const headingId = `conv-title-${createUniqueId()}`

  // A deleted account reaches the list (notifications socket) before this socket's next ready.
  const peer = () => {
    const listed = knownPeer(props.peerId)
    return listed?.deleted ? listed : (state.peer ?? listed ?? null)
  }
  const name = createMemo(() => {
    const p = peer()
    return p ? displayName(p) : 'Conversation'
  })
  // Quotes and reactions name the peer as people do in a chat: by first name.
  const firstName = () => peer()?.firstName || name()
  // Off on either side, nobody sees read ticks (CONTRACT.md: Read receipts).
  const readReceipts = () => state.readReceipts && session.user?.readReceipts !== false
  const queued = () => state.messages.reduce((n, m) => (m.seq === null && m.status !== 'failed' ? n + 1 : n), 0)
  const wide = window.matchMedia(WIDE).matches
  // Every stored photo of the conversation, in the order of the log: the viewer moves through them.
  const photos = createMemo(() =>
    state.messages.flatMap((m) =>
      m.seq !== null && !m.deletedAt && m.attachments ? m.attachments.filter((a) => isInlineImage(a.type)) : [],
    ),
  )
  const drop = createFileDrop(
    ({ files, folders }) => {
      chat.attach(files)
      if (folders > 0) {
        const also = state.attachProblem
        chat.store.setState('attachProblem', also ? `${FOLDERS_REFUSED} ${also}` : FOLDERS_REFUSED)
      }
    },
    () => !state.fatal && state.blocked === 'none' && !peer()?.deleted,
  )

  followListedBlock(chat)
  setOpenPeer(props.peerId)
  chat.setOnScreen(true)
  dismissToastsFor(props.peerId)
  void closeSystemNotifications(props.peerId)

  onMount(() => {
    // On phones the list this came from is gone: the heading says where the person is now.
    if (props.focusOnOpen && !wide) heading?.focus()
  })
  onCleanup(() => {
    if (openPeer() === props.peerId) setOpenPeer(null)
    release()
  })

  return (
    <section class="conversation" aria-labelledby={headingId} ref={drop.target}>
      <Show when={state.fatal}>{(detail) => <NoSuchConversation headingId={headingId} detail={detail()} />}</Show>
      <Show when={!state.fatal}>
        <ConversationHeader
          name={name()}
          // A person with no name is already shown by their email: not twice.
          email={peer() && name() !== peer()!.email ? peer()!.email : null}
          deleted={!!peer()?.deleted}
          typing={state.peerTyping}
          headingId={headingId}
          headingRef={(el) => {
            heading = el
          }}
          actions={
            // A deleted account has nobody left to block.
            <Show when={!state.fatal && !peer()?.deleted}>
              <BlockButton chat={chat} peerName={name()} />
            </Show>
          }
        />
      </Show>
      <ConnectionStatus socket={chat.socket} ready={state.ready} queued={queued()} />
      <Show when={!state.fatal}>
        <ImageViewerProvider images={photos()}>
          <MessageLog
            chat={chat}
            me={me}
            peerName={name()}
            peerFirstName={firstName()}
            readReceipts={readReceipts()}
            peerDeleted={!!peer()?.deleted}
          />
        </ImageViewerProvider>
        <ActionStatus problem={state.actionProblem} onDismiss={() => chat.store.setState('actionProblem', null)} />
        <Show when={!peer()?.deleted} fallback={<DeletedPeerNotice />}>
          <Show
            when={state.blocked === 'none'}
            fallback={<BlockedNotice chat={chat} state={state.blocked} peerName={name()} peerFirstName={firstName()} />}
          >
            <Composer
              chat={chat}
              me={me}
              peerName={name()}
              peerFirstName={firstName()}
              disabled={false}
              autofocus={props.focusOnOpen && wide}
            />
          </Show>
        </Show>
      </Show>
      <DropOverlay active={drop.active()} peerName={name()} />
    </section>
  )
}
