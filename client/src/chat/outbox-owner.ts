// Which tab sends a conversation's queue: the one holding the Web Lock named after the account
// and the peer. The server would drop a second copy of a message (same clientId), but two tabs
// sending the same queue at once would still race each other's edits and reactions, and pay
// for every frame twice. A tab asks for the lock while it knows of queued items and lets go
// once there are none; when the owner tab closes, the lock passes to the next tab waiting.

export interface OutboxOwner {
  /** Whether this tab wants to send (it has items queued); the lock is asked for or given up. */
  want(wanted: boolean): void
  /** Whether this tab holds the lock now. */
  owns(): boolean
  dispose(): void
}

/**
 * `granted` runs when this tab becomes the sender and must resolve once it has taken over
 * (reloaded the queue from IndexedDB); `lost` when it stops being one.
 */
export function createOutboxOwner(
  userId: string,
  peerId: string,
  hooks: { granted: () => Promise<void>; lost: () => void },
): OutboxOwner {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined
  let owning = false
  let wanted = false
  /** The request out now (waiting or held); stopping it aborts the wait or lets go of the lock. */
  let current: { stop: () => void } | null = null

  function request(): void {
    if (!locks) {
      // No Web Locks (an old browser): every tab sends; the clientIds keep messages single.
      owning = true
      void hooks.granted()
      return
    }
    const abort = new AbortController()
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const mine = {
      stop() {
        abort.abort()
        release()
      },
    }
    current = mine
    locks
      .request(`parley-outbox-${userId}-${peerId}`, { signal: abort.signal }, async () => {
        // Given up on while the grant was on its way: hand it straight on.
        if (current !== mine) return
        owning = true
        await hooks.granted()
        await held
      })
      .catch(() => {
        // Aborted while waiting: nothing was held.
      })
  }

  function stop(): void {
    current?.stop()
    current = null
    if (owning) {
      owning = false
      hooks.lost()
    }
  }

  return {
    want(value) {
      if (value === wanted) return
      wanted = value
      if (value) request()
      else stop()
    },
    owns: () => owning,
    dispose() {
      wanted = false
      current?.stop()
      current = null
      owning = false
    },
  }
}
