// The signed-in person's conversation list and unread counts, kept current by the
// notifications socket. Entries keep their identity across updates (reconcile by peer id),
// so a new message re-renders one row and moves it, never the whole list.
import { batch } from 'solid-js'
import { createStore, reconcile } from 'solid-js/store'
import type { ConversationEntry } from '../../../protocol/frames.ts'
import { ApiError } from '../api.ts'
import { fetchConversations } from '../chat/chat-api.ts'
import { rememberPeer } from '../chat/peers.ts'
import { saveChats } from '../offline/offline-db.ts'
import { session } from '../session.ts'

export interface ListEntry extends ConversationEntry {
  /** The peer's id, as the reconcile key. */
  id: string
}

interface InboxState {
  conversations: ListEntry[]
  loaded: boolean
  loadProblem: string | null
  unreadTotal: number
  unreadByPeer: Record<string, number>
  /** The list on screen is the one the device kept, until the server's first answer. */
  kept: boolean
}

const [inbox, setInbox] = createStore<InboxState>({
  conversations: [],
  loaded: false,
  loadProblem: null,
  unreadTotal: 0,
  unreadByPeer: {},
  kept: false,
})

export { inbox }

// Peers changed by a live frame while the list was being fetched: the frame is newer.
let changedDuringLoad: Set<string> | null = null

const activity = (e: ConversationEntry) => e.lastMessage?.sentAt ?? ''

function sorted(list: ListEntry[]): ListEntry[] {
  return [...list].sort((a, b) => activity(b).localeCompare(activity(a)))
}

function toEntry(c: ConversationEntry): ListEntry {
  rememberPeer(c.peer)
  return { ...c, id: c.peer.id }
}

function commit(list: ListEntry[]): void {
  setInbox('conversations', reconcile(sorted(list), { key: 'id', merge: true }))
  // The device keeps the list as the server last said it, for a load without a network.
  const me = session.user?.id
  if (me && !inbox.kept) saveChats(me, () => inbox.conversations.map(({ id: _, ...entry }) => entry))
}

/**
 * Offline: the list as this device last saw it, with its unread counts, until the server can
 * be asked (the notifications socket loads it afresh as soon as it opens).
 */
export function showKeptConversations(kept: ConversationEntry[]): void {
  if (inbox.loaded) return
  batch(() => {
    setInbox('kept', true)
    commit(kept.map(toEntry))
    const byPeer = Object.fromEntries(kept.filter((c) => c.unread > 0).map((c) => [c.peer.id, c.unread]))
    applyUnread(
      kept.reduce((n, c) => n + c.unread, 0),
      byPeer,
    )
    setInbox({ loaded: true, loadProblem: null })
  })
}

export async function loadConversations(): Promise<void> {
  changedDuringLoad = new Set()
  try {
    const { conversations } = await fetchConversations()
    const live = changedDuringLoad
    const current = new Map(inbox.conversations.map((c) => [c.id, c]))
    const next = conversations.map((c) => {
      const mine = current.get(c.peer.id)
      return live.has(c.peer.id) && mine ? { ...mine } : toEntry(c)
    })
    for (const id of live) {
      const mine = current.get(id)
      if (mine && !next.some((c) => c.id === id)) next.push({ ...mine })
    }
    batch(() => {
      setInbox('kept', false)
      commit(next)
      setInbox({ loaded: true, loadProblem: null })
    })
  } catch (err) {
    if (!inbox.loaded) {
      setInbox('loadProblem', err instanceof ApiError ? err.problem.detail : 'Your conversations could not be loaded.')
    }
    throw err
  } finally {
    changedDuringLoad = null
  }
}

export function applyConversation(conversation: ConversationEntry): void {
  changedDuringLoad?.add(conversation.peer.id)
  const entry = toEntry(conversation)
  const rest = inbox.conversations.filter((c) => c.id !== entry.id).map((c) => ({ ...c }))
  commit([entry, ...rest])
}

export function applyUnread(total: number, byPeer: Record<string, number>): void {
  batch(() => {
    setInbox('unreadTotal', total)
    setInbox('unreadByPeer', reconcile(byPeer))
  })
}

export function resetInbox(): void {
  setInbox({ conversations: [], loaded: false, loadProblem: null, unreadTotal: 0, unreadByPeer: {}, kept: false })
}
