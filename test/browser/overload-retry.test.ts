// A 1013 end to end (issue 15; ADR 012), on a wrangler dev of its own with
// MAX_UPGRADES_PER_SECOND = 1: the person's inbox has just admitted all the upgrades it
// takes, so the web client's next notifications socket is accepted and closed with 1013,
// `retry-after=<s>`; the client then waits at least that long before its next attempt,
// where coming back online otherwise reconnects at once. Node keeps the bucket empty with
// upgrades of its own until the page has met it.
import type { WebSocket as PageSocket } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { applyLocalMigrations, fernetKey } from '../../scripts/lib/dev-server.ts'
import { signUpInContext } from './helpers/accounts.ts'
import { launchBrowser, newPerson } from './helpers/browser.ts'
import { ownServer } from './helpers/own-server.ts'

const server = ownServer('parley-overload-')
afterAll(() => server.dispose())

/** Opens a notifications socket from Node; resolves to its close code if the server closes it first, else null. */
function upgradeOnce(url: string, cookie: string): Promise<number | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/notifications/ws`, { headers: { cookie } })
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as { type: string; code?: number }
      if (frame.type === 'closing') resolve(frame.code ?? null)
      else if (frame.type === 'unread') {
        resolve(null)
        ws.close()
      }
    })
    ws.on('close', (code: number) => resolve(code))
    ws.on('error', () => resolve(-1))
  })
}

interface Seen {
  socket: PageSocket
  createdAt: number
  closing?: { at: number; code: number; reason: string }
}

describe('a 1013 from the server', () => {
  it('makes the web client wait the Retry-After before reconnecting', { timeout: 120_000 }, async () => {
    applyLocalMigrations(server.persistTo)
    const url = await server.start(fernetKey(), { MAX_UPGRADES_PER_SECOND: '1' })
    const browser = await launchBrowser()
    try {
      const { context, page } = await newPerson(browser, url)
      await signUpInContext(context)
      const seen: Seen[] = []
      page.on('websocket', (socket) => {
        if (!socket.url().includes('/api/notifications/ws')) return
        const entry: Seen = { socket, createdAt: performance.now() }
        seen.push(entry)
        socket.on('framereceived', ({ payload }) => {
          const frame = JSON.parse(String(payload)) as { type: string; code?: number; reason?: string }
          if (frame.type === 'closing' && !entry.closing) {
            entry.closing = { at: performance.now(), code: frame.code ?? 0, reason: frame.reason ?? '' }
          }
        })
      })
      await page.goto('/')
      await expect.poll(() => seen.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1)
      await context.setOffline(true)
      const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ')
      // Use up the inbox's upgrades from Node until it answers 1013 itself.
      let answered: number | null = null
      for (let i = 0; i < 10 && answered !== 1013; i++) answered = await upgradeOnce(url, cookie)
      expect(answered).toBe(1013)
      const before = seen.length
      // Keep the bucket empty until the page has met it, however long its reconnect takes here.
      let hammering = true
      const hammer = (async () => {
        while (hammering) await upgradeOnce(url, cookie)
      })()
      await context.setOffline(false)

      // The next attempt meets the empty bucket: 1013 with the delay in its reason…
      await expect.poll(() => seen[before]?.closing, { timeout: 20_000 }).toBeDefined()
      hammering = false
      await hammer
      const refused = seen[before]!
      expect(refused.closing!.code).toBe(1013)
      const match = /retry-after=(\d+)/.exec(refused.closing!.reason)
      expect(match).not.toBeNull()
      const delayMs = Number(match![1]) * 1000
      expect(delayMs).toBeGreaterThanOrEqual(1000)
      // …and the attempt after it comes no sooner than that (less what the DevTools events
      // of a frame and of a new socket may differ in reaching this process, a few ms).
      await expect.poll(() => seen.length, { timeout: 30_000 }).toBeGreaterThan(before + 1)
      const waited = seen[before + 1]!.createdAt - refused.closing!.at
      expect(waited).toBeGreaterThanOrEqual(delayMs - 50)
      await context.close()
    } finally {
      await browser.close()
    }
  })
})
