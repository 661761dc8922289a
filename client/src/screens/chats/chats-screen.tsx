// Chats: the conversation list beside the open conversation on wide screens; on phones one
// or the other, with a way back. Serves both "/" and "/c/:peerId" without remounting.
// Keyboard: "/" or Ctrl+K filters the list, arrows move through it, Escape closes the open
// conversation on phones, "?" lists these shortcuts.
import { useNavigate, useParams } from '@solidjs/router'
import { createSignal, onCleanup, Show } from 'solid-js'
import { knownPeer } from '../../chat/peers.ts'
import { displayName } from '../../session.ts'
import { usePageTitle } from '../../ui/page-title.ts'
import { ConversationPane } from '../conversation/conversation-pane.tsx'
import { ConversationList, FILTER_ID, moveInList, NEW_CONVERSATION_ID } from './conversation-list.tsx'
import { ShortcutsHelp } from './shortcuts-help.tsx'

const WIDE = '(min-width: 900px)'

/** Typing goes to fields: single-key shortcuts stay out of their way. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  if (target.isContentEditable) return true
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true
  if (target instanceof HTMLInputElement)
    return !['button', 'checkbox', 'radio', 'submit', 'reset', 'file', 'image', 'range', 'color'].includes(target.type)
  return false
}

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

  const navigate = useNavigate()
  const [helpOpen, setHelpOpen] = createSignal(false)

  function focusSearch(): void {
    const filter = document.getElementById(FILTER_ID)
    if (filter) filter.focus()
    // No conversations yet: finding people is the only search there is.
    else document.getElementById(NEW_CONVERSATION_ID)?.click()
  }

  function onKeyDown(event: KeyboardEvent): void {
    // Dialogs (this help, the image viewer, confirmations) and menus handle their own keys.
    if (event.defaultPrevented || event.isComposing || document.querySelector('dialog[open]')) return
    const typing = isTyping(event.target)
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'k') {
      event.preventDefault()
      focusSearch()
      return
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return
    if (event.key === 'Escape') {
      const id = peerId()
      if (!id || window.matchMedia(WIDE).matches) return
      event.preventDefault()
      navigate('/')
      // Back on the list, at the conversation just left.
      requestAnimationFrame(() =>
        document.querySelector<HTMLElement>(`.conv-item[data-peer="${CSS.escape(id)}"]`)?.focus(),
      )
      return
    }
    if (typing) return
    if (event.key === '?') {
      event.preventDefault()
      setHelpOpen(true)
    } else if (event.key === '/') {
      event.preventDefault()
      focusSearch()
    } else if (
      (event.key === 'ArrowDown' || event.key === 'ArrowUp') &&
      !event.shiftKey &&
      (event.target === document.body || (event.target as HTMLElement).id === 'main')
    ) {
      // Nothing in particular has focus: the arrows start at the open chat, or the list's end.
      const active = document.querySelector('.conv-item[aria-current="page"]')
      if (moveInList(event.key, active)) event.preventDefault()
    }
  }
  document.addEventListener('keydown', onKeyDown)
  onCleanup(() => document.removeEventListener('keydown', onKeyDown))

  usePageTitle(() => {
    const id = peerId()
    const peer = id ? knownPeer(id) : undefined
    return peer ? displayName(peer) : 'Chats'
  })

  return (
    <div class="chats" classList={{ 'chats-open': peerId() !== null }}>
      <div class="chats-list-pane">
        <ConversationList activePeer={peerId()} onShowShortcuts={() => setHelpOpen(true)} />
      </div>
      <div class="chats-conversation-pane">
        {/* On phones the list (and its heading) is hidden while a conversation is open. */}
        <Show when={peerId()}>
          <h1 class="visually-hidden chats-phone-heading">Chats</h1>
        </Show>
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
      <ShortcutsHelp open={helpOpen()} onClose={() => setHelpOpen(false)} />
    </div>
  )
}
