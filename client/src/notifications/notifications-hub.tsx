// Everything a signed-in tab runs in the background: the notifications socket, the unread
// title, the service worker, unsent messages from an earlier page, and the toasts.
import { useNavigate } from '@solidjs/router'
import { onCleanup, onMount } from 'solid-js'
import { disposeAllChats, resumeOutboxes } from '../chat/chat-session.ts'
import { session } from '../session.ts'
import { useUnreadTitle } from './document-title.ts'
import { inbox, loadConversations, resetInbox } from './inbox-store.ts'
import { renewPushIfChosen } from './notification-control.ts'
import { createNotificationsSocket } from './notifications-socket.ts'
import { onServiceWorkerOpen, registerServiceWorker } from './service-worker.ts'
import { setNotificationOpener } from './system-notification.ts'
import { clearToasts } from './toast-store.ts'
import { Toasts } from './toasts.tsx'

const LIST_FALLBACK_MS = 2_000

export function NotificationsHub() {
  const navigate = useNavigate()
  const open = (peerId: string) => navigate(`/c/${encodeURIComponent(peerId)}`)
  useUnreadTitle(() => inbox.unreadTotal)

  onMount(() => {
    const socket = createNotificationsSocket()
    socket.start()
    // The list normally loads once the socket is open; where sockets are slow or blocked,
    // it still appears (it just will not update live).
    const fallback = setTimeout(() => {
      if (!inbox.loaded) void loadConversations().catch(() => {})
    }, LIST_FALLBACK_MS)
    setNotificationOpener(open)
    onServiceWorkerOpen(open)
    void registerServiceWorker().then(() => renewPushIfChosen())
    const me = session.user?.id
    if (me) resumeOutboxes(me)
    onCleanup(() => {
      clearTimeout(fallback)
      socket.stop()
      onServiceWorkerOpen(null)
      disposeAllChats()
      resetInbox()
      clearToasts()
    })
  })

  return <Toasts />
}
