// Plaintext bodies of the room's recent messages, in memory only, so replays to many
// reconnecting sockets decrypt each message once (concurrent replays share one decrypt)
// instead of once per socket. Bounded by characters held; a body that could not be
// decrypted is cached as null. Never stored: a hibernated or evicted room starts empty.

/** About 2 MiB of UTF-16 at most, a small share of an isolate's 128 MB. */
export const MAX_CACHED_CHARS = 1_000_000

interface Entry {
  body: Promise<string | null>
  chars: number
  /** Set once the decrypt settled: what peek() returns. */
  settled?: { text: string | null }
}

export class BodyCache {
  private readonly bodies = new Map<number, Entry>()
  private chars = 0

  constructor(private readonly maxChars = MAX_CACHED_CHARS) {}

  /** The body of `seq`, decrypting it with `open` only when no decrypt is cached or under way. */
  get(seq: number, open: () => Promise<string | null>): Promise<string | null> {
    const hit = this.bodies.get(seq)
    if (hit) return hit.body
    const body = open()
    // A token's length bounds its plaintext: account for it before the decrypt settles.
    this.remember(seq, body, 0)
    void body.then(
      (text) => {
        const entry = this.bodies.get(seq)
        if (entry?.body !== body) return
        entry.settled = { text }
        this.resize(seq, text?.length ?? 0)
      },
      () => {
        if (this.bodies.get(seq)?.body === body) this.forget(seq)
      },
    )
    return body
  }

  /**
   * The body of `seq` if it is here and decrypted: a string, null when no key opens it,
   * undefined when it is not (yet) known. Synchronous, so frames can be built in the same
   * turn as the commit or accept they follow.
   */
  peek(seq: number): { text: string | null } | undefined {
    return this.bodies.get(seq)?.settled
  }

  /** A body the room has in plaintext already (just sent or edited). */
  put(seq: number, body: string): void {
    this.remember(seq, Promise.resolve(body), body.length, { text: body })
  }

  forget(seq: number): void {
    const hit = this.bodies.get(seq)
    if (!hit) return
    this.chars -= hit.chars
    this.bodies.delete(seq)
  }

  private remember(seq: number, body: Promise<string | null>, chars: number, settled?: Entry['settled']): void {
    // A replaced entry (an edit) never takes its old decrypt's result: see the checks in get().
    this.forget(seq)
    this.bodies.set(seq, { body, chars, ...(settled ? { settled } : {}) })
    this.chars += chars
    this.evict()
  }

  private resize(seq: number, chars: number): void {
    const hit = this.bodies.get(seq)
    if (!hit) return
    this.chars += chars - hit.chars
    hit.chars = chars
    this.evict()
  }

  /** Oldest-inserted first: replays and sends touch the newest messages. */
  private evict(): void {
    for (const [seq] of this.bodies) {
      if (this.chars <= this.maxChars) return
      this.forget(seq)
    }
  }
}
