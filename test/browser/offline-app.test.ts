// Parley as an installable, offline-capable app: the web app manifest and its icons, the
// service worker controlling every page, and a reload without a network showing the app shell
// with the chats and messages this device last saw, until the person signs out.
import type { Page } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import { describeViolations, seriousA11yViolations, usePeople } from './helpers/browser.ts'
import { conversationReady, messageRow, openEachOther, sendMessage, signedUpPair } from './helpers/chat.ts'

const baseUrl = inject('baseUrl')
const { person } = usePeople(baseUrl)

interface ManifestIcon {
  src: string
  sizes: string
  type: string
  purpose?: string
}

/** The page's PNG as width × height, read from its IHDR chunk. */
function pngSize(bytes: Buffer): string {
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG')
  return `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`
}

/** Resolves once the service worker controls the page (it claims clients on activation). */
async function controlled(page: Page): Promise<void> {
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null), { timeout: 15_000 })
    .toBe(`${baseUrl}/sw.js`)
  // The shell is cached by the time the worker is active (install waits for it).
  await expect.poll(() => page.evaluate(async () => Boolean(await caches.match('/')))).toBe(true)
}

/** Every cache the page's origin holds, by name, with the paths of what each keeps. */
function cachedPaths(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate(async () => {
    const out: Record<string, string[]> = {}
    for (const name of await caches.keys()) {
      const requests = await (await caches.open(name)).keys()
      out[name] = requests.map((r) => new URL(r.url).pathname)
    }
    return out
  })
}

/** Everything in the page's "parley-offline" database, as one JSON text. */
function keptText(page: Page): Promise<string> {
  return page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const open = indexedDB.open('parley-offline')
        open.onsuccess = () => {
          const db = open.result
          if (!db.objectStoreNames.contains('kv')) return resolve('')
          const all = db.transaction('kv').objectStore('kv').getAll()
          all.onsuccess = () => resolve(JSON.stringify(all.result))
          all.onerror = () => resolve('')
        }
        open.onerror = () => resolve('')
      }),
  )
}

async function expectAxeClean(page: Page): Promise<void> {
  const violations = await seriousA11yViolations(page)
  expect(violations, describeViolations(violations)).toEqual([])
}

describe('installable app', () => {
  it('serves a valid manifest whose icons, maskable ones included, are there at their sizes', async () => {
    const { page } = await person()
    await page.goto('/signin')
    const href = await page.locator('link[rel="manifest"]').getAttribute('href')
    expect(href).toBe('/manifest.webmanifest')
    const response = await page.request.get(href!)
    expect(response.status()).toBe(200)
    const manifest = (await response.json()) as {
      name: string
      short_name: string
      start_url: string
      scope: string
      display: string
      theme_color: string
      background_color: string
      icons: ManifestIcon[]
    }
    expect(manifest).toMatchObject({ name: 'Parley', short_name: 'Parley', start_url: '/', scope: '/' })
    expect(manifest.display).toBe('standalone')
    expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/)
    expect(manifest.background_color).toMatch(/^#[0-9a-f]{6}$/)

    const pngs = manifest.icons.filter((icon) => icon.type === 'image/png')
    const seen: string[] = []
    for (const icon of pngs) {
      const bytes = await page.request.get(icon.src)
      expect(bytes.status(), icon.src).toBe(200)
      expect(bytes.headers()['content-type']).toBe('image/png')
      expect(pngSize(await bytes.body())).toBe(icon.sizes)
      seen.push(`${icon.purpose ?? 'any'} ${icon.sizes}`)
    }
    expect(seen.sort()).toEqual(['any 192x192', 'any 512x512', 'maskable 192x192', 'maskable 512x512'])

    const apple = await page.locator('link[rel="apple-touch-icon"]').getAttribute('href')
    expect(pngSize(await (await page.request.get(apple!)).body())).toBe('180x180')
    // Light and dark theme colours, for the browser's own bar.
    const themes = await page
      .locator('meta[name="theme-color"]')
      .evaluateAll((metas) => metas.map((m) => [m.getAttribute('media'), m.getAttribute('content')]))
    expect(themes.map(([media]) => media)).toEqual(['(prefers-color-scheme: light)', '(prefers-color-scheme: dark)'])
    // Signed out too, the service worker takes the page: the shell is there for next time,
    // in the one cache of this build, with its hashed assets.
    await controlled(page)
    const build = await (await page.request.get('/sw-build.js')).text()
    const id = /"id":"([0-9a-f]+)"/.exec(build)?.[1]
    const caches = await cachedPaths(page)
    expect(Object.keys(caches)).toEqual([`parley-shell-${id}`])
    const kept = Object.values(caches)[0]!
    expect(kept).toContain('/')
    expect(kept.some((path) => path.startsWith('/assets/') && path.endsWith('.js'))).toBe(true)
  })
})

describe('offline', () => {
  it('reloads without a network into the last-known chats and messages, and reconnects when it is back', async () => {
    const pair = await openEachOther(await signedUpPair(person, { family: 'Offline' }))
    const { a, b, bob } = pair
    await sendMessage(a.page, 'Kept on this device')
    await sendMessage(b.page, 'And the answer too')
    await messageRow(a.page, 'And the answer too').waitFor()
    await controlled(a.page)
    // The kept copy is written shortly after the messages arrive.
    await expect.poll(() => keptText(a.page)).toContain('And the answer too')
    await expect.poll(async () => (await keptText(a.page)).split('And the answer too').length).toBe(3)

    await a.context.setOffline(true)
    await a.page.reload()
    // The app shell, not the browser's error page: the signed-in frame, the list and the log.
    await a.page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()
    await a.page.locator('.offline-banner').getByText('You are offline.').waitFor()
    await a.page.locator(`.conv-item[data-peer="${bob.user.id}"]`).filter({ hasText: 'And the answer too' }).waitFor()
    await a.page.getByRole('heading', { level: 2, name: bob.name }).waitFor()
    await messageRow(a.page, 'Kept on this device').waitFor()
    await messageRow(a.page, 'And the answer too').waitFor()
    // The conversation says it has no connection (offline, or retrying: the browser may not
    // know the network is gone) and that what it shows is what the device kept.
    await a.page.locator('.connection').waitFor()
    await a.page.locator('.log-start').getByText('The newest messages this device kept.').waitFor()
    await expectAxeClean(a.page)

    // Back online: the conversation connects, and what arrived meanwhile shows.
    await sendMessage(b.page, 'Sent while you were away')
    await a.context.setOffline(false)
    // Emulated offline may leave navigator.onLine true, so the browser would not announce the
    // network's return as a real one does; the page is told, as it would be.
    await a.page.evaluate(() => window.dispatchEvent(new Event('online')))
    await conversationReady(a.page, bob.name)
    await messageRow(a.page, 'Sent while you were away').waitFor()
    await a.page.locator('.offline-banner').waitFor({ state: 'detached' })
    await expect.poll(() => a.page.locator('.log .msg').count()).toBe(3)
    // Nothing the API served (messages, the list, the session) is in the service worker's cache.
    const cached = Object.values(await cachedPaths(a.page)).flat()
    expect(cached.filter((path) => path.startsWith('/api/'))).toEqual([])
  })

  it('keeps nothing once the person signs out: offline, the next load shows no one’s messages', async () => {
    const { a, b, bob } = await openEachOther(await signedUpPair(person, { family: 'Leaving' }))
    await sendMessage(b.page, 'Private words')
    await messageRow(a.page, 'Private words').waitFor()
    await controlled(a.page)

    await a.page.getByRole('link', { name: 'Settings', exact: true }).click()
    await a.page.getByRole('button', { name: 'Sign out', exact: true }).click()
    await a.page.waitForURL(`${baseUrl}/signin`)
    await expect.poll(() => keptText(a.page)).not.toContain('Private words')

    await a.context.setOffline(true)
    await a.page.goto(`/c/${bob.user.id}`)
    // The shell loads, but with no account kept there is nobody to show: Parley says it
    // cannot be reached, and no message of the last person is anywhere on the page.
    await a.page.getByRole('heading', { name: 'Parley can’t be reached' }).waitFor()
    expect(await a.page.locator('body').textContent()).not.toContain('Private words')
    expect(await keptText(a.page)).not.toContain('Private words')
    expect(await a.page.locator('.msg').count()).toBe(0)
    await expectAxeClean(a.page)
    await a.context.setOffline(false)
  })
})
