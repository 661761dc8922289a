// Builds the SolidJS client into dist/client, where the Worker serves it as static assets.
import { defineConfig, type Plugin } from 'vite'
import solid from 'vite-plugin-solid'
import { renderHeadersFile } from '../worker/http/security-headers.ts'

// Static assets never pass through the Worker (wrangler.toml), so they get the same
// security headers from a `_headers` file generated from the Worker's own list.
function securityHeadersFile(): Plugin {
  return {
    name: 'parley-security-headers',
    apply: 'build',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: '_headers', source: renderHeadersFile() })
    },
  }
}

export default defineConfig({
  root: import.meta.dirname,
  plugins: [solid(), securityHeadersFile()],
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    target: 'es2022',
    // The preload polyfill is an inline script, which the CSP (script-src 'self') refuses.
    modulePreload: { polyfill: false },
    // Inlined assets become data: URLs; keeping every asset a file keeps the CSP simple.
    assetsInlineLimit: 0,
  },
})
