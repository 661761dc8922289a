// The built client's JS and CSS (dist/client), raw and gzip, and which of them the first
// page load needs: the files index.html names (its script, stylesheets and modulepreloads)
// are fetched up front, the rest only when a lazy route imports them.
import { readdirSync, readFileSync } from 'node:fs'
import { extname, join, relative } from 'node:path'
import { gzipSync } from 'node:zlib'

export interface BundleFile {
  /** Path under dist/client, e.g. assets/index-abc123.js. */
  name: string
  kind: 'js' | 'css'
  /** Named by index.html, so every first load fetches it. */
  initial: boolean
  raw: number
  gzip: number
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  )
}

/** Every .js and .css file under `dist`; throws when there is no build there. */
export function bundleFiles(dist: string): BundleFile[] {
  const html = readFileSync(join(dist, 'index.html'), 'utf8')
  // src="/assets/x.js" and href="/assets/x.css": what the document itself asks for.
  const named = new Set([...html.matchAll(/(?:src|href)="\/?([^"]+)"/g)].map((m) => m[1]!))
  return walk(dist).flatMap((path) => {
    const ext = extname(path)
    if (ext !== '.js' && ext !== '.css') return []
    const bytes = readFileSync(path)
    const name = relative(dist, path)
    // Level 9: about what a CDN's on-the-fly gzip sends; brotli would be smaller still.
    return [
      {
        name,
        kind: ext === '.js' ? 'js' : 'css',
        initial: named.has(name),
        raw: bytes.length,
        gzip: gzipSync(bytes, { level: 9 }).length,
      },
    ]
  })
}

export interface BundleTotal {
  label: string
  files: number
  raw: number
  gzip: number
}

/** JS and CSS, each up front and in all, summed. */
export function bundleTotals(files: BundleFile[]): BundleTotal[] {
  const sum = (label: string, pick: (f: BundleFile) => boolean): BundleTotal => {
    const chosen = files.filter(pick)
    return {
      label,
      files: chosen.length,
      raw: chosen.reduce((n, f) => n + f.raw, 0),
      gzip: chosen.reduce((n, f) => n + f.gzip, 0),
    }
  }
  return [
    sum('JS up front', (f) => f.kind === 'js' && f.initial),
    sum('JS in all', (f) => f.kind === 'js'),
    sum('CSS up front', (f) => f.kind === 'css' && f.initial),
    sum('CSS in all', (f) => f.kind === 'css'),
  ]
}
