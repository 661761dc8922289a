// In-app toasts for messages from a conversation other than the one on screen. One per
// conversation (a newer message replaces it), a few at most, each leaving on its own. A toast
// follows its notification: an edit changes its text, a deletion takes it away.
import { createStore } from 'solid-js/store'

export interface Toast {
  id: number
  peerId: string
  title: string
  body: string
  /** The notification it shows (NotificationEntry.id). */
  notificationId?: string
}

export const TOAST_MS = 8_000
const MAX_TOASTS = 3

const [toasts, setToasts] = createStore<Toast[]>([])
const timers = new Map<number, ReturnType<typeof setTimeout>>()
let nextId = 1

export { toasts }

export function showToast(toast: Omit<Toast, 'id'>): void {
  const id = nextId++
  const replaced = toasts.filter((t) => t.peerId === toast.peerId).map((t) => t.id)
  for (const old of replaced) clearTimeout(timers.get(old))
  const kept = toasts.filter((t) => t.peerId !== toast.peerId)
  const next = [...kept, { ...toast, id }]
  for (const t of next.slice(0, Math.max(0, next.length - MAX_TOASTS))) clearTimeout(timers.get(t.id))
  setToasts(next.slice(-MAX_TOASTS))
  schedule(id, TOAST_MS)
}

function schedule(id: number, ms: number): void {
  clearTimeout(timers.get(id))
  timers.set(
    id,
    setTimeout(() => dismissToast(id), ms),
  )
}

/** While the pointer or focus is on a toast it stays; it leaves a while after. */
export function holdToast(id: number, held: boolean): void {
  if (held) clearTimeout(timers.get(id))
  else schedule(id, TOAST_MS / 2)
}

export function dismissToast(id: number): void {
  clearTimeout(timers.get(id))
  timers.delete(id)
  setToasts((list) => list.filter((t) => t.id !== id))
}

/** The notification behind a toast changed (its message was edited). */
export function updateToast(notificationId: string, body: string): void {
  setToasts((t) => t.notificationId === notificationId, 'body', body)
}

/** The notification behind a toast is gone (its message was deleted). */
export function dismissToastOf(notificationId: string): void {
  for (const t of toasts) if (t.notificationId === notificationId) dismissToast(t.id)
}

export function dismissToastsFor(peerId: string): void {
  for (const t of toasts) if (t.peerId === peerId) dismissToast(t.id)
}

export function clearToasts(): void {
  for (const t of timers.values()) clearTimeout(t)
  timers.clear()
  setToasts([])
}
