// A Chromium whose tabs really hide one another. Playwright's own contexts emulate focus,
// which keeps every page "visible"; attached over CDP with `noDefaults`, the browser's default
// context does not, so opening a second tab makes the first one's visibilityState 'hidden'.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { findBrowser } from '../../../scripts/lib/test-prereqs.ts'

export interface RealTabsBrowser {
  browser: Browser
  context: BrowserContext
  page: Page
  /** Uncaught page errors and CSP refusals seen so far, as in newPerson(). */
  problems: string[]
  close(): Promise<void>
}

function devtoolsEndpoint(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`Chromium printed no DevTools endpoint:\n${output}`)), 20_000)
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => {
      output += chunk
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`Chromium exited with ${code}:\n${output}`))
    })
  })
}

export async function launchRealTabsBrowser(): Promise<RealTabsBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'parley-tabs-'))
  const child = spawn(
    findBrowser(),
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  const endpoint = await devtoolsEndpoint(child)
  const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true, isLocal: true })
  const context = browser.contexts()[0]!
  context.setDefaultTimeout(10_000)
  const page = context.pages()[0] ?? (await context.newPage())
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) problems.push(message.text())
  })
  return {
    browser,
    context,
    page,
    problems,
    async close() {
      await browser.close().catch(() => {})
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
      rmSync(profile, { recursive: true, force: true })
    },
  }
}
