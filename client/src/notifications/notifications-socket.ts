// The tab's one notifications socket (/api/notifications/ws): keeps the conversation list and
// unread counts current and raises an alert for each new message, in the page or outside it.
// A notification seen again (its message was edited) changes its alert without raising a new
// one; a removed one (its message was deleted) takes its alert away.
import type { NotificationEntry, NotificationFrame } from '../../../protocol/frames.ts'
import { ApiError, api } from '../api.ts'
import { NO_TEXT_PREVIEW } from '../chat/attachment-rules.ts'
import { createLiveSocket, type LiveSocket, StopError, wsUrl } from '../chat/live-socket.ts'
import { isAttentive } from '../chat/page-attention.ts'
import { clearSession, displayName } from '../session.ts'
import { applyConversation, applyUnread, loadConversations } from './inbox-store.ts'
import { openPeer } from './open-conversation.ts'
import { closeSystemNotificationOf, refreshSystemNotification, showSystemNotification } from './system-notification.ts'
import { dismissToastOf, showToast, updateToast } from './toast-store.ts'

/** Notifications this tab has seen, so a repeat of one is told from a new message. */
const seen = new Set<string>()
const SEEN_KEPT = 500

function remember(id: string): boolean {
  if (seen.has(id)) return false
  seen.add(id)
  // Sets iterate in insertion order: the oldest go first.
  if (seen.size > SEEN_KEPT) seen.delete(seen.values().next().value!)
  return true
}

/** The server names a message of files alone ("📷 Photo"); an empty preview still says something. */
const previewOf = (n: NotificationEntry) => n.preview || NO_TEXT_PREVIEW

async function alertFor(n: NotificationEntry): Promise<void> {
  if (n.read) return
  const title = displayName(n.peer)
  const body = previewOf(n)
  const toast = { peerId: n.peer.id, title, body, notificationId: n.id }
  if (isAttentive()) {
    // On screen and looked at: the conversation itself shows the message.
    if (openPeer() !== n.peer.id) showToast(toast)
    return
  }
  // Hidden or in the background: the system's notification, if the person asked for them;
  // the toast waits for them otherwise.
  const shown = await showSystemNotification({ title, body, peerId: n.peer.id, seq: n.seq })
  if (!shown && openPeer() !== n.peer.id) showToast(toast)
}

/** The message behind a notification was edited: what shows it now says the new text. */
function refresh(n: NotificationEntry): void {
  updateToast(n.id, previewOf(n))
  void refreshSystemNotification({ title: displayName(n.peer), body: previewOf(n), peerId: n.peer.id, seq: n.seq })
}

function remove(id: string, peerId: string, seq: number): void {
  seen.delete(id)
  dismissToastOf(id)
  void closeSystemNotificationOf(peerId, seq)
}

function onFrame(frame: NotificationFrame): void {
  switch (frame.type) {
    case 'conversation':
      applyConversation(frame.conversation)
      return
    case 'unread':
      applyUnread(frame.total, frame.byPeer)
      return
    case 'notification':
      if (remember(frame.notification.id)) void alertFor(frame.notification)
      else refresh(frame.notification)
      return
    case 'notification-removed':
      remove(frame.id, frame.peerId, frame.seq)
      return
    case 'pong':
      return
  }
}

export function createNotificationsSocket(): LiveSocket {
  return createLiveSocket({
    url: () => wsUrl('/api/notifications/ws'),
    prepare: async (afterFailure) => {
      if (!afterFailure) return
      try {
        await api.get('/notifications?limit=1')
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) throw new StopError('session-ended', err.problem.detail)
        throw err
      }
    },
    // Frames missed while disconnected are not replayed: the list is fetched afresh instead.
    onOpen: () => void loadConversations().catch(() => {}),
    onFrame: (frame) => onFrame(frame as NotificationFrame),
    onStop: (reason) => {
      if (reason === 'session-ended') clearSession('expired')
    },
  })
}
