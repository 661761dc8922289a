// Whether the person can see this page: visible and focused. Read receipts and the chat
// socket's `viewing` flag follow it, so a hidden or blurred tab neither reads nor mutes.
import { createSignal } from 'solid-js'

const [visible, setVisible] = createSignal(document.visibilityState === 'visible')
const [focused, setFocused] = createSignal(document.hasFocus())

type Listener = (attentive: boolean) => void
const listeners = new Set<Listener>()

/** True while the page is visible and has focus. Reactive. */
export const isAttentive = (): boolean => visible() && focused()

/** True while the page is visible, focused or not. Reactive. */
export const isVisible = (): boolean => visible()

// The window's own focus and blur events are the truth at the moment they fire;
// hasFocus() is read for the other events.
function update(event?: Event): void {
  // Focus and blur of elements inside the page reach window listeners only in capture; be sure.
  if ((event?.type === 'focus' || event?.type === 'blur') && event.target !== window) return
  const before = isAttentive()
  setVisible(document.visibilityState === 'visible')
  setFocused(event?.type === 'focus' ? true : event?.type === 'blur' ? false : document.hasFocus())
  const after = isAttentive()
  if (before !== after) for (const listener of listeners) listener(after)
}

document.addEventListener('visibilitychange', update)
window.addEventListener('focus', update)
window.addEventListener('blur', update)
window.addEventListener('pageshow', update)
window.addEventListener('pagehide', update)

/** For code outside components (sockets): called whenever attention flips. */
export function onAttentionChange(listener: Listener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}
