// Where to go after signing in: a same-origin path from ?next=, never another site.
export function safeNext(raw: string | string[] | undefined): string {
  const next = Array.isArray(raw) ? raw[0] : raw
  // "//evil.example" and "/\evil.example" are protocol-relative URLs to another host.
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/'
  return next
}

export function signInPath(next: string): string {
  return next === '/' ? '/signin' : `/signin?next=${encodeURIComponent(next)}`
}
