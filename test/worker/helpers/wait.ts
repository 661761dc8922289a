// Delivery to inboxes and push services is asynchronous: poll what a client would see.

/** Reads until `ok` holds or the time is up, then returns the last reading for the assertion. */
export async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await read()
    if (ok(v) || Date.now() > deadline) return v
    await new Promise((r) => setTimeout(r, 25))
  }
}
