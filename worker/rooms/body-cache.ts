// Plaintext bodies of the room's recent messages, in memory only, so replays to many
// reconnecting sockets decrypt each message once (concurrent replays share one decrypt)
// instead of once per socket. Bounded by characters held; a body that could not be
// decrypted is cached as null. Never stored: a hibernated or evicted room starts empty.

/** About 2 MiB of UTF-16 at most, a small share of an isolate's 128 MB. */
export const MAX_CACHED_CHARS = 1_000_000

export class BodyCache {
  private readonly bodies = new Map<number, { body: Promise<string | null>; chars: number }>()
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
      (text) => this.resize(seq, text?.length ?? 0),
      () => this.bodies.delete(seq),
    )
    return body
  }

  /** A body the room has in plaintext already (just sent). */
  put(seq: number, body: string): void {
    this.remember(seq, Promise.resolve(body), body.length)
  }

  forget(seq: number): void {
    const hit = this.bodies.get(seq)
    if (!hit) return
    this.chars -= hit.chars
    this.bodies.delete(seq)
  }

  private remember(seq: number, body: Promise<string | null>, chars: number): void {
    this.forget(seq)
    this.bodies.set(seq, { body, chars })
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
