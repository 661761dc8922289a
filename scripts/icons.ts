// Renders Parley's app icons (client/public/icons/*.png) from the logo (client/public/favicon.svg)
// in Chromium: `node scripts/icons.ts`. The PNGs are committed; run this again after the logo
// changes. Plain icons are the logo as it is (rounded, transparent corners); maskable ones
// and the Apple touch icon fill the whole square with the logo's blue and keep the mark
// inside the central 80% "safe zone", since the platform cuts them to its own shape.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { ROOT } from './lib/dev-server.ts'
import { findBrowser } from './lib/test-prereqs.ts'

const PUBLIC = join(ROOT, 'client', 'public')
const OUT = join(PUBLIC, 'icons')
const LOGO_BLUE = '#2458d6'

interface Icon {
  file: string
  size: number
  /** Fraction of the square the logo's mark takes; 1 is the logo itself, corners and all. */
  scale: number
  fullBleed: boolean
}

const ICONS: Icon[] = [
  { file: 'icon-192.png', size: 192, scale: 1, fullBleed: false },
  { file: 'icon-512.png', size: 512, scale: 1, fullBleed: false },
  // The logo's square blends into the background; at 80% its bubble stays well inside the safe circle.
  { file: 'maskable-192.png', size: 192, scale: 0.8, fullBleed: true },
  { file: 'maskable-512.png', size: 512, scale: 0.8, fullBleed: true },
  // iOS rounds the corners itself and shows transparency as black.
  { file: 'apple-touch-icon.png', size: 180, scale: 0.8, fullBleed: true },
]

function pageFor(svg: string, icon: Icon): string {
  const mark = Math.round(icon.size * icon.scale)
  const background = icon.fullBleed ? LOGO_BLUE : 'transparent'
  const logo = svg.replace('<svg ', `<svg width="${mark}" height="${mark}" `)
  return `<!doctype html><html><body style="margin:0;background:transparent">
<div id="icon" style="width:${icon.size}px;height:${icon.size}px;display:grid;place-items:center;background:${background}">${logo}</div>
</body></html>`
}

const svg = readFileSync(join(PUBLIC, 'favicon.svg'), 'utf8')
mkdirSync(OUT, { recursive: true })
const browser = await chromium.launch({ executablePath: findBrowser(), args: ['--no-sandbox', '--disable-gpu'] })
try {
  const page = await browser.newPage({ deviceScaleFactor: 1 })
  for (const icon of ICONS) {
    await page.setViewportSize({ width: icon.size, height: icon.size })
    await page.setContent(pageFor(svg, icon))
    const png = await page.locator('#icon').screenshot({ omitBackground: true })
    writeFileSync(join(OUT, icon.file), png)
    console.log(`client/public/icons/${icon.file} (${icon.size}×${icon.size})`)
  }
} finally {
  await browser.close()
}
