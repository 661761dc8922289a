// The tab's one notifications socket (/api/notifications/ws): keeps the conversation list and
// unread counts current and raises an alert for each new message, in the page or outside it.
import type { NotificationEntry, NotificationFrame } from '../../../protocol/frames.ts'
import { ApiError, api } from '../api.ts'
import { createLiveSocket, type LiveSocket, StopError, wsUrl } from '../chat/live-socket.ts'
import { isAttentive } from '../chat/page-attention.ts'
import { clearSession, displayName } from '../session.ts'
import { applyConversation, applyUnread, loadConversations } from './inbox-store.ts'
import { openPeer } from './open-conversation.ts'
import { showSystemNotification } from './system-notification.ts'
import { showToast } from './toast-store.ts'

async function alertFor(n: NotificationEntry): Promise<void> {
  if (n.read) return
  const title = displayName(n.peer)
  if (isAttentive()) {
    // On screen and looked at: the conversation itself shows the message.
    if (openPeer() !== n.peer.id) showToast({ peerId: n.peer.id, title, body: n.preview })
    return
  }
  // Hidden or in the background: the system's notification, if the person asked for them;
  // the toast waits for them otherwise.
  const shown = await showSystemNotification({ title, body: n.preview, peerId: n.peer.id, seq: n.seq })
  if (!shown && openPeer() !== n.peer.id) showToast({ peerId: n.peer.id, title, body: n.preview })
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
      void alertFor(frame.notification)
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
