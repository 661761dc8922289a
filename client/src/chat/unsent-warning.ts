// The browser's "Leave site?" question while this tab holds messages or changes the server has
// not acknowledged. They are kept in IndexedDB and another tab (or the next one) sends them,
// but until then they exist on this device only, and the person may believe they went.
// The listener is there only while something waits: a beforeunload listener also keeps the
// page out of the back/forward cache.

const unsent = new Set<string>()

function warn(event: BeforeUnloadEvent): void {
  event.preventDefault()
  // Older Chromium versions ask only when returnValue is set.
  event.returnValue = ''
}

/** Whether the conversation with `peerId` has items waiting in this tab. */
export function setUnsent(peerId: string, waiting: boolean): void {
  const before = unsent.size
  if (waiting) unsent.add(peerId)
  else unsent.delete(peerId)
  if (before === 0 && unsent.size > 0) window.addEventListener('beforeunload', warn)
  else if (before > 0 && unsent.size === 0) window.removeEventListener('beforeunload', warn)
}
