// Everything a signed-in tab runs in the background: the notifications socket, the unread
// title, the service worker, unsent messages from an earlier page, and the toasts.
import { useNavigate } from '@solidjs/router'
import { onCleanup, onMount } from 'solid-js'
import { ApiError } from '../api.ts'
import { disposeAllChats, resumeOutboxes } from '../chat/chat-session.ts'
import { loadChats } from '../offline/offline-db.ts'
import { session, signedInFromDevice } from '../session.ts'
import { useUnreadTitle } from './document-title.ts'
import { inbox, loadConversations, resetInbox, showKeptConversations } from './inbox-store.ts'
import { renewPushIfChosen } from './notification-control.ts'
import { createNotificationsSocket } from './notifications-socket.ts'
import { onServiceWorkerOpen, registerServiceWorker } from './service-worker.ts'
import { setNotificationOpener } from './system-notification.ts'
import { clearToasts } from './toast-store.ts'
import { Toasts } from './toasts.tsx'

const LIST_FALLBACK_MS = 2_000

/** Without a network, the list this device kept for the person (if the server has not answered). */
function showKept(me: string): void {
  void loadChats(me).then((kept) => {
    if (kept && session.user?.id === me) showKeptConversations(kept)
  })
}

export function NotificationsHub() {
  const navigate = useNavigate()
  const open = (peerId: string) => navigate(`/c/${encodeURIComponent(peerId)}`)
  useUnreadTitle(() => inbox.unreadTotal)

  onMount(() => {
    const socket = createNotificationsSocket()
    socket.start()
    // The list normally loads once the socket is open; where sockets are slow or blocked,
    // it still appears (it just will not update live).
    const me = session.user?.id
    if (me && (!navigator.onLine || signedInFromDevice())) showKept(me)
    const fallback = setTimeout(() => {
      if (inbox.loaded) return
      void loadConversations().catch((err) => {
        // The browser may think it is online while the server cannot be reached.
        if (me && err instanceof ApiError && err.status === 0) showKept(me)
      })
    }, LIST_FALLBACK_MS)
    setNotificationOpener(open)
    onServiceWorkerOpen(open)
    void registerServiceWorker().then(() => renewPushIfChosen())
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
