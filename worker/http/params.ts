// Query parameters shared by cursor and page routes (CONTRACT.md: Conventions).
import { invalid } from './problem.ts'

export const DEFAULT_LIMIT = 50
export const MAX_LIMIT = 100

/** `limit`: a whole number, clamped to 1..100; absent means 50. */
export function parseLimit(raw: string | undefined, name = 'limit'): number {
  if (raw === undefined || raw === '') return DEFAULT_LIMIT
  const n = Number(raw)
  if (!Number.isFinite(n) || !Number.isInteger(n)) throw invalid({ [name]: `"${name}" must be a whole number.` })
  return Math.min(MAX_LIMIT, Math.max(1, n))
}

/** An optional non-negative whole number such as `before` or `after`. */
export function parseCursor(raw: string | undefined, name: string): number | null {
  if (raw === undefined || raw === '') return null
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n))
    throw invalid({ [name]: `"${name}" must be a whole number of at least 0.` })
  return n
}

/** `page` starts at 1; `pageSize` defaults to 50 and is clamped to 1..100. */
export function parsePage(page: string | undefined, pageSize: string | undefined): { page: number; pageSize: number } {
  const p = parseCursor(page, 'page')
  return { page: Math.max(1, p ?? 1), pageSize: parseLimit(pageSize, 'pageSize') }
}
