// Chromium for the browser tests: one context per person, screenshots, and an axe check.
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { ROOT } from '../../../scripts/lib/dev-server.ts'
import { findBrowser } from '../../../scripts/lib/test-prereqs.ts'

export const SCREENSHOT_DIR = join(ROOT, 'artifacts', 'screenshots')
export const SCREENSHOT_WIDTHS = [390, 1280] as const

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: findBrowser(),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  })
}

export interface Person {
  context: BrowserContext
  page: Page
  /** Uncaught page errors and CSP refusals seen so far; a test expects none. */
  problems: string[]
}

/** A separate browser profile (cookies, storage) for one person. */
export async function newPerson(
  browser: Browser,
  baseUrl: string,
  options: BrowserContextOptions = {},
): Promise<Person> {
  // Reduced motion: colour transitions (a theme switched mid-test) must not be caught
  // half-way by axe's contrast check, which then reads a blend of the two themes.
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: { width: 1280, height: 800 },
    reducedMotion: 'reduce',
    ...options,
  })
  context.setDefaultTimeout(10_000)
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  // A CSP refusal is only a console message, yet it means a script or style silently did not apply.
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) problems.push(message.text())
  })
  return { context, page, problems }
}

/** Full-page screenshots at a phone and a desktop width: artifacts/screenshots/<name>-<width>.png. */
export async function screenshotWidths(page: Page, name: string): Promise<string[]> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  const original = page.viewportSize()
  const paths: string[] = []
  for (const width of SCREENSHOT_WIDTHS) {
    await page.setViewportSize({ width, height: width < 600 ? 844 : 800 })
    const path = join(SCREENSHOT_DIR, `${name}-${width}.png`)
    await page.screenshot({ path, fullPage: true, animations: 'disabled' })
    paths.push(path)
  }
  if (original) await page.setViewportSize(original)
  return paths
}

export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: unknown[]; failureSummary?: string }[]
}

const require = createRequire(import.meta.url)
let axeSource: string | undefined

/**
 * Runs axe-core in the page and returns its serious and critical violations.
 * Our CSP (script-src 'self') refuses an injected <script>, but page.evaluate runs the
 * source over the DevTools protocol, which CSP does not govern: the page stays as served.
 */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= (require('axe-core') as { source: string }).source
  await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> } }
    ).axe
    const result = await axe.run(document, { resultTypes: ['violations'] })
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }))
  })
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}

/** A readable failure message listing each violation and where it is. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `  at ${JSON.stringify(n.target)}`).join('\n')}`)
    .join('\n')
}

/**
 * One Chromium per test file and a context per person: registers the hooks that launch it,
 * fail a test on any page error or CSP refusal its people saw, and close everything.
 */
export function usePeople(baseUrl: string) {
  let browser: Browser | undefined
  const people: Person[] = []
  beforeAll(async () => {
    browser = await launchBrowser()
  })
  afterEach(() => {
    const problems = people.flatMap((p) => p.problems.splice(0))
    expect(problems, problems.join('\n')).toEqual([])
  })
  afterAll(async () => {
    for (const p of people) await p.context.close()
    await browser?.close()
  })
  return {
    async person(options?: Parameters<typeof newPerson>[2]): Promise<Person> {
      const p = await newPerson(browser!, baseUrl, options)
      people.push(p)
      return p
    },
  }
}
