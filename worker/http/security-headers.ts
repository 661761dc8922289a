// Security headers for every response. The Worker adds them to API responses; the build
// writes the same list to dist/client/_headers for static assets (client/vite.config.ts).

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // Ignored by browsers over plain http (local dev), enforced on workers.dev.
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
}

/**
 * Vite names every file under /assets/ after a hash of its content, so a cached copy can
 * never be stale: browsers keep it a year without asking again. Everything else
 * (index.html, the service worker, icons) keeps the platform's default of revalidating,
 * so a deploy reaches people on their next load.
 */
export const HASHED_ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable'

/** The `_headers` file format of Workers static assets. */
export function renderHeadersFile(): string {
  const lines = Object.entries(SECURITY_HEADERS).map(([k, v]) => `  ${k}: ${v}`)
  return `/*\n${lines.join('\n')}\n/assets/*\n  Cache-Control: ${HASHED_ASSET_CACHE_CONTROL}\n`
}
