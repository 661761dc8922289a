// How fast the client loads, and how big it is (issue: "first-load and warm-load times and
// the bundle sizes"). Builds the client, serves it with `wrangler dev` on a temp state dir,
// registers two people with a conversation of MESSAGES messages, then in Chromium, RUNS times:
//   first load: a new context (empty HTTP cache, no cookies but the session), open the page;
//   warm load: the same context, reload.
// for the chats list (the conversation's row visible) and for the conversation (its newest
// message visible). Times are the page's own clock (performance.now(), from navigation
// start) at the first animation frame showing the element, with DOMContentLoaded and the
// bytes transferred beside them (a warm load's cache hits transfer nothing). Also the JS and CSS in dist/client,
// raw and gzip, split into what index.html loads up front and what is loaded lazily.
// No assertions: a benchmark. Run: `npm run bench:client` (RUNS=, MESSAGES= to change).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { ROOT, type ScratchServer, startScratchServer } from '../scripts/lib/dev-server.ts'
import { findBrowser } from '../scripts/lib/test-prereqs.ts'
import { openNodeChat } from '../test/browser/helpers/node-chat.ts'
import { type BundleFile, bundleFiles, bundleTotals } from './bundle-sizes.ts'
import { type Member, register } from './request-cost.ts'

const RUNS = Number(process.env.RUNS ?? 7)
const MESSAGES = Number(process.env.MESSAGES ?? 50)
const DIST = join(ROOT, 'dist/client')

type Metric = 'chats first' | 'chats warm' | 'conversation first' | 'conversation warm'

// Everything the run starts, so an error or Ctrl-C still ends it.
let server: ScratchServer | undefined
let browser: Browser | undefined
async function cleanUp(): Promise<void> {
  await browser?.close().catch(() => {})
  browser = undefined
  await server?.stop()
  server = undefined
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(130))
  })
}

/** A conversation with `count` messages, the newest last; resolves with its newest body. */
async function seedConversation(url: string, from: Member, to: Member, count: number): Promise<string> {
  const chat = await openNodeChat(url, from.cookie, to.id)
  let body = ''
  try {
    for (let i = 1; i <= count; i++) {
      body = `bench message ${i} of ${count}`
      await chat.send(body)
    }
  } finally {
    chat.close()
  }
  return body
}

/** A new context holding only the session cookie: nothing cached yet. */
async function signedInContext(b: Browser, url: string, member: Member): Promise<BrowserContext> {
  const context = await b.newContext({ baseURL: url, viewport: { width: 1280, height: 800 } })
  const cookies = member.cookie.split('; ').map((pair) => {
    const eq = pair.indexOf('=')
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1), url }
  })
  await context.addCookies(cookies)
  return context
}

// Chromium's clock is coarsened to 0.1 ms anyway; the float noise below that only clutters the JSON.
const round = (x: number) => Math.round(x * 10) / 10

interface Load {
  /** ms from navigation start to the first frame where the element is visible. */
  shownMs: number
  /** ms from navigation start to DOMContentLoaded: the HTML and up-front JS are in. */
  domReadyMs: number
  /** Bytes over the wire for the document and every resource so far (0 for what the cache served). */
  transferred: number
}

/** Waits for `selector` (optionally holding `text`) to be visible, then reads the page's timings. */
async function measureLoad(page: Page, selector: string, text?: string): Promise<Load> {
  const handle = await page.waitForFunction(
    ([sel, txt]) => {
      const hit = [...document.querySelectorAll(sel)].find(
        (el) => (txt === undefined || el.textContent?.includes(txt)) && el.checkVisibility(),
      )
      return hit ? performance.now() : false
    },
    [selector, text] as const,
    { polling: 'raf', timeout: 30_000 },
  )
  const shownMs = round((await handle.jsonValue()) as number)
  const { domReadyMs, transferred } = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined
    const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[]
    return {
      domReadyMs: nav?.domContentLoadedEventEnd ?? Number.NaN,
      transferred: (nav?.transferSize ?? 0) + resources.reduce((n, r) => n + r.transferSize, 0),
    }
  })
  return { shownMs, domReadyMs: round(domReadyMs), transferred }
}

/** First load, then a warm reload, of `path` in one new context. */
async function loadTwice(
  b: Browser,
  url: string,
  member: Member,
  path: string,
  selector: string,
  text?: string,
): Promise<[first: Load, warm: Load]> {
  const context = await signedInContext(b, url, member)
  try {
    const page = await context.newPage()
    await page.goto(path, { waitUntil: 'commit' })
    const first = await measureLoad(page, selector, text)
    // Let lazy chunks and the sockets settle, so the reload finds what a returning visit would.
    await page.waitForLoadState('networkidle').catch(() => {})
    await page.reload({ waitUntil: 'commit' })
    const warm = await measureLoad(page, selector, text)
    return [first, warm]
  } finally {
    await context.close()
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`
const ms = (n: number) => `${n.toFixed(0)} ms`

function printBundle(files: BundleFile[]): void {
  console.log('\n| bundle | files | raw | gzip |\n|---|---:|---:|---:|')
  for (const t of bundleTotals(files)) console.log(`| ${t.label} | ${t.files} | ${kib(t.raw)} | ${kib(t.gzip)} |`)
  console.log('\n| file | kind | loaded | raw | gzip |\n|---|---|---|---:|---:|')
  for (const f of [...files].sort((a, b) => b.raw - a.raw)) {
    console.log(`| ${f.name} | ${f.kind} | ${f.initial ? 'up front' : 'lazily'} | ${kib(f.raw)} | ${kib(f.gzip)} |`)
  }
}

function printTimes(loads: Record<Metric, Load[]>): void {
  console.log(
    `\n| load (${RUNS} runs, ${MESSAGES} messages) | shown, median | min | max | DOMContentLoaded, median | transferred, median |`,
  )
  console.log('|---|---:|---:|---:|---:|---:|')
  for (const [metric, runs] of Object.entries(loads)) {
    const xs = runs.map((l) => l.shownMs)
    const dom = median(runs.map((l) => l.domReadyMs))
    const bytes = median(runs.map((l) => l.transferred))
    console.log(
      `| ${metric} | ${ms(median(xs))} | ${ms(Math.min(...xs))} | ${ms(Math.max(...xs))} | ${ms(dom)} | ${kib(bytes)} |`,
    )
  }
}

try {
  server = await startScratchServer('parley-client-load-')
  const files = bundleFiles(DIST)
  const url = server.url
  const stamp = Date.now()
  const [ann, bob] = await Promise.all([
    register(url, `client-load-a-${stamp}@example.com`, 'Ann'),
    register(url, `client-load-b-${stamp}@example.com`, 'Bob'),
  ])
  const newest = await seedConversation(url, bob, ann, MESSAGES)
  browser = await chromium.launch({
    executablePath: findBrowser(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-sync'],
  })
  const loads: Record<Metric, Load[]> = {
    'chats first': [],
    'chats warm': [],
    'conversation first': [],
    'conversation warm': [],
  }
  const chatRow = `.conv-list .conv-item[data-peer="${bob.id}"]`
  for (let run = 0; run < RUNS; run++) {
    const [chatsFirst, chatsWarm] = await loadTwice(browser, url, ann, '/', chatRow)
    const [convFirst, convWarm] = await loadTwice(
      browser,
      url,
      ann,
      `/c/${encodeURIComponent(bob.id)}`,
      '.log .msg .msg-body',
      newest,
    )
    loads['chats first'].push(chatsFirst)
    loads['chats warm'].push(chatsWarm)
    loads['conversation first'].push(convFirst)
    loads['conversation warm'].push(convWarm)
    process.stdout.write(`run ${run + 1}/${RUNS} done\n`)
  }
  printTimes(loads)
  printBundle(files)
  const summary = {
    at: new Date().toISOString(),
    runs: RUNS,
    messages: MESSAGES,
    medianShownMs: Object.fromEntries(
      Object.entries(loads).map(([k, runs]) => [k, median(runs.map((l) => l.shownMs))]),
    ),
    loads,
    bundle: { totals: bundleTotals(files), files },
  }
  writeFileSync(join(ROOT, 'bench/results/client-load.json'), `${JSON.stringify(summary, null, 2)}\n`)
} finally {
  await cleanUp()
}
