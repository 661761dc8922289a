// The Usage panel's estimate: each meter beyond the plan's inclusion at its list price, the
// WebSocket messages at 1 in 20, alarms as rows written, and the $5 base.
import { describe, expect, it } from 'vitest'
import type { UsageCounts, UsageSource } from '../../protocol/admin-usage.ts'
import { billedObjectRequests, estimateBill, NO_COUNTS } from '../../protocol/usage-estimate.ts'

const counts = (c: Partial<UsageCounts>): UsageCounts => ({ ...NO_COUNTS, ...c })
const none: Record<UsageSource, UsageCounts> = {
  worker: NO_COUNTS,
  d1: NO_COUNTS,
  'chat-room': NO_COUNTS,
  'user-inbox': NO_COUNTS,
}
const nothingStored = { durableObjects: 0, d1: 0, r2: 0 }
const usdOf = (bill: ReturnType<typeof estimateBill>, id: string) => bill.meters.find((m) => m.id === id)!.usd

describe('estimateBill', () => {
  it('is the $5 base alone while every meter is within what the plan includes', () => {
    const bill = estimateBill(
      {
        worker: counts({ requests: 10_000_000 }),
        d1: counts({ rowsRead: 1_000_000, rowsWritten: 50_000_000 }),
        'chat-room': counts({ requests: 500_000, webSocketMessages: 10_000_000, rowsWritten: 49_000_000 }),
        'user-inbox': counts({ alarmsSet: 1_000_000 }),
      },
      { durableObjects: 5e9, d1: 5e9, r2: 10e9 },
    )
    expect(bill.baseUsd).toBe(5)
    expect(bill.meters.every((m) => m.usd === 0)).toBe(true)
    expect(bill.totalUsd).toBe(5)
  })

  it('counts WebSocket messages 1 in 20 and rounds up, adds RPCs and alarms as requests', () => {
    expect(billedObjectRequests(counts({ requests: 3, webSocketMessages: 41 }))).toBe(6)
    const bill = estimateBill(
      {
        ...none,
        // 1,000,000 included; 2,000,000 + 40,000,000 / 20 = 4,000,000 billed: 3M beyond at $0.15/M.
        'chat-room': counts({ requests: 1_500_000, webSocketMessages: 40_000_000 }),
        'user-inbox': counts({ requests: 500_000 }),
      },
      nothingStored,
    )
    const requests = bill.meters.find((m) => m.id === 'durableObjects.requests')!
    expect(requests.amount).toBe(4_000_000)
    expect(requests.usd).toBeCloseTo(0.45, 10)
    expect(bill.totalUsd).toBeCloseTo(5.45, 10)
  })

  it('bills setAlarm as a row written, and each meter at its own price', () => {
    const bill = estimateBill(
      {
        worker: counts({ requests: 12_000_000 }),
        d1: counts({ rowsWritten: 52_000_000, rowsRead: 26_000_000_000 }),
        'chat-room': counts({ rowsWritten: 49_000_000, alarmsSet: 2_000_000 }),
        'user-inbox': counts({ rowsWritten: 1_000_000, rowsRead: 25_000_000_000 }),
      },
      nothingStored,
    )
    // 52M rows written by the objects (alarms included), 2M beyond at $1/M.
    expect(bill.meters.find((m) => m.id === 'durableObjects.rowsWritten')!.amount).toBe(52_000_000)
    expect(usdOf(bill, 'durableObjects.rowsWritten')).toBeCloseTo(2, 10)
    expect(usdOf(bill, 'durableObjects.rowsRead')).toBe(0)
    expect(usdOf(bill, 'workers.requests')).toBeCloseTo(0.6, 10)
    expect(usdOf(bill, 'd1.rowsWritten')).toBeCloseTo(2, 10)
    expect(usdOf(bill, 'd1.rowsRead')).toBeCloseTo(1, 10)
    expect(bill.totalUsd).toBeCloseTo(5 + 2 + 0.6 + 2 + 1, 10)
  })

  it('prices storage per GB-month beyond the inclusion', () => {
    const bill = estimateBill(none, { durableObjects: 7e9, d1: 6e9, r2: 110e9 })
    expect(usdOf(bill, 'durableObjects.storage')).toBeCloseTo(2 * 0.2, 10)
    expect(usdOf(bill, 'd1.storage')).toBeCloseTo(0.75, 10)
    expect(usdOf(bill, 'r2.storage')).toBeCloseTo(100 * 0.015, 10)
    expect(bill.meters.filter((m) => m.unit === 'bytes').every((m) => m.approximate)).toBe(true)
  })
})

describe('the Usage screen’s amounts', () => {
  it('writes storage in decimal units, as it is billed, and keeps fractions of a cent visible', async () => {
    const { formatAmount, formatDecimalBytes, formatUsd } = await import('../../client/src/admin/usage-format.ts')
    expect(formatDecimalBytes(0)).toBe('0 B')
    expect(formatDecimalBytes(999)).toBe('999 B')
    expect(formatDecimalBytes(356_352)).toBe('356 kB')
    expect(formatDecimalBytes(5e9)).toBe('5.00 GB')
    expect(formatDecimalBytes(12_345_678_901)).toBe('12.3 GB')
    expect(formatAmount({ unit: 'count' }, 25_000_000_000)).toBe('25,000,000,000')
    expect(formatUsd(5)).toBe('$5.00')
    expect(formatUsd(0)).toBe('$0.00')
    expect(formatUsd(0.0031)).toBe('$0.0031')
    expect(formatUsd(5.455)).toBe('$5.46')
  })
})
