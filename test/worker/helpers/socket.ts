// A WebSocket client for tests inside workerd: collects frames and waits for them.
import { SELF } from 'cloudflare:test'
import { ORIGIN } from './http.ts'

// biome-ignore lint/suspicious/noExplicitAny: frames are asserted field by field in tests
export type Frame = Record<string, any>

export class TestSocket {
  readonly frames: Frame[] = []
  private cursor = 0
  private waiters: (() => void)[] = []
  closeCode: number | null = null
  closeReason: string | null = null
  ready: Frame | null = null
  readonly closed: Promise<number>

  constructor(readonly ws: WebSocket) {
    ws.accept()
    let resolveClosed: (code: number) => void = () => {}
    this.closed = new Promise((r) => {
      resolveClosed = r
    })
    ws.addEventListener('message', (e) => {
      this.frames.push(JSON.parse(e.data as string) as Frame)
      this.wake()
    })
    ws.addEventListener('close', (e) => {
      this.closeCode = e.code
      this.closeReason = e.reason
      resolveClosed(e.code)
      this.wake()
    })
  }

  private wake() {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  send(frame: unknown) {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** The next frame (after those already taken) that matches, skipping others. */
  async next(match: (f: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      while (this.cursor < this.frames.length) {
        const f = this.frames[this.cursor++]!
        if (match(f)) return f
      }
      if (this.closeCode !== null) throw new Error(`socket closed (${this.closeCode}) while waiting for a frame`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  nextOfType(type: string, timeoutMs?: number) {
    return this.next((f) => f.type === type, timeoutMs)
  }

  /**
   * Resolves true if no matching frame arrives within `ms` while the socket stays open. A
   * socket that is closed, or closes during the wait, is not silence: that throws.
   */
  async silentFor(match: (f: Frame) => boolean, ms: number): Promise<boolean> {
    try {
      await this.next(match, ms)
      return false
    } catch (err) {
      if (this.closeCode === null) return true
      throw new Error(`socket closed (${this.closeCode}) while expecting silence: a closed socket is not silence`, {
        cause: err,
      })
    }
  }

  close(code = 1000) {
    try {
      this.ws.close(code, 'test done')
    } catch {
      // already closed
    }
  }
}

export async function upgrade(path: string, cookie?: string, headers: Record<string, string> = {}): Promise<Response> {
  const h = new Headers({ upgrade: 'websocket', ...headers })
  if (cookie) h.set('cookie', cookie)
  return SELF.fetch(`${ORIGIN}${path}`, { headers: h })
}

export async function openSocket(path: string, cookie: string): Promise<TestSocket> {
  const res = await upgrade(path, cookie)
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`)
  return new TestSocket(res.webSocket)
}

export async function openChat(cookie: string, peerId: string, after?: number, since?: number): Promise<TestSocket> {
  const params = new URLSearchParams()
  if (after !== undefined) params.set('after', String(after))
  if (since !== undefined) params.set('since', String(since))
  const q = params.size > 0 ? `?${params}` : ''
  const socket = await openSocket(`/api/conversations/${peerId}/ws${q}`, cookie)
  socket.ready = await socket.nextOfType('ready')
  return socket
}
