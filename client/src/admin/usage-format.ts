// How the Usage screen writes amounts: counts with separators, storage in decimal units
// (Cloudflare prices per GB of 10^9 bytes), and dollars to the cent, or finer below one.
import type { UsageMeterLine } from '../../../protocol/admin-usage.ts'

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const

/** "0 B", "812 kB", "1.25 GB": decimal units, as storage is billed. */
export function formatDecimalBytes(bytes: number): string {
  let value = Math.max(0, bytes)
  let unit = 0
  while (value >= 1000 && unit < DECIMAL_UNITS.length - 1) {
    value /= 1000
    unit++
  }
  const digits = unit === 0 ? 0 : value < 10 ? 2 : value < 100 ? 1 : 0
  return `${value.toFixed(digits)} ${DECIMAL_UNITS[unit]}`
}

export function formatAmount(line: Pick<UsageMeterLine, 'unit'>, amount: number): string {
  return line.unit === 'bytes' ? formatDecimalBytes(amount) : Math.round(amount).toLocaleString('en-US')
}

/** "$5.00", "$0.0031" (a fraction of a cent still shows), "$0.00" for nothing. */
export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.01) return `$${usd.toPrecision(2)}`
  return `$${usd.toFixed(2)}`
}
