// The room's outbox on a clock the test moves: when rounds run, what they deliver, and that
// a change arriving at any moment of a round is never left for the alarm.
import { describe, expect, it } from 'vitest'
import { type Clock, DELIVERY_DELAY_MS, DELIVERY_INTERVAL_MS, Outbox, RETRY_MIN_MS } from '../../worker/rooms/outbox.ts'

/** Timers that fire only when the test advances time; microtasks run between them. */
class ManualClock implements Clock {
  private t = 0
  private timers: { at: number; fn: () => void; id: number }[] = []
  private nextId = 1
  now = () => this.t
  random = () => 0.5
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.nextId++
    this.timers.push({ at: this.t + ms, fn, id })
    return id
  }
  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== id)
  }
  async advance(ms: number): Promise<void> {
    const end = this.t + ms
    for (;;) {
      await settle()
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0]
      if (!due) break
      this.timers = this.timers.filter((x) => x !== due)
      this.t = due.at
      due.fn()
    }
    this.t = end
    await settle()
  }
}

async function settle(hops = 50): Promise<void> {
  for (let i = 0; i < hops; i++) await Promise.resolve()
}

function setup(deliver?: (userId: string) => Promise<boolean>) {
  const clock = new ManualClock()
  const delivered: { userId: string; at: number }[] = []
  const retries: number[] = []
  const outbox = new Outbox({
    clock,
    deliverTo:
      deliver ??
      (async (userId) => {
        delivered.push({ userId, at: clock.now() })
        return true
      }),
    retryLater: (ms) => retries.push(ms),
    waitUntil: () => {},
  })
  return { clock, outbox, delivered, retries }
}

describe('outbox', () => {
  it('delivers a change to both members DELIVERY_DELAY_MS after it', async () => {
    const { clock, outbox, delivered } = setup()
    outbox.changed(['a', 'b'])
    outbox.schedule()
    await clock.advance(DELIVERY_DELAY_MS - 1)
    expect(delivered).toEqual([])
    await clock.advance(1)
    expect(delivered).toEqual([
      { userId: 'a', at: DELIVERY_DELAY_MS },
      { userId: 'b', at: DELIVERY_DELAY_MS },
    ])
    expect(outbox.settled).toBe(true)
  })

  it('folds a burst of changes into one round per interval', async () => {
    const { clock, outbox, delivered } = setup()
    for (let i = 0; i < 50; i++) {
      outbox.changed(['a'])
      outbox.schedule()
      await clock.advance(40)
    }
    await clock.advance(2 * DELIVERY_INTERVAL_MS)
    // 2 s of changes, one round every DELIVERY_INTERVAL_MS (jitter fixed at 1×), plus the last.
    expect(delivered.length).toBeGreaterThanOrEqual(2)
    expect(delivered.length).toBeLessThanOrEqual(4)
    expect(outbox.settled).toBe(true)
  })

  it('cuts the wait of a busy room short when something is owed promptly', async () => {
    const { clock, outbox, delivered } = setup()
    outbox.changed(['a'])
    outbox.schedule()
    await clock.advance(DELIVERY_DELAY_MS)
    expect(delivered).toHaveLength(1)
    outbox.changed(['a'])
    outbox.schedule()
    outbox.hurry()
    await clock.advance(DELIVERY_DELAY_MS)
    expect(delivered).toHaveLength(2)
    expect(delivered[1]!.at - delivered[0]!.at).toBeLessThanOrEqual(2 * DELIVERY_DELAY_MS)
  })

  it('keeps a member owed while their inbox is not up to date, and delivers again', async () => {
    const { clock, outbox } = setup()
    let calls = 0
    const box = new Outbox({
      clock,
      deliverTo: async () => ++calls >= 3,
      retryLater: () => {},
      waitUntil: () => {},
    })
    box.changed(['a'])
    box.schedule()
    await clock.advance(5 * DELIVERY_INTERVAL_MS)
    expect(calls).toBe(3)
    expect(box.settled).toBe(true)
    expect(outbox.settled).toBe(true)
  })

  it('leaves a failed round to the alarm, with doubling backoff', async () => {
    let fail = true
    const { clock, outbox, retries } = setup(async () => {
      if (fail) throw new Error('inbox unavailable')
      return true
    })
    outbox.changed(['a'])
    outbox.schedule()
    await clock.advance(DELIVERY_DELAY_MS)
    expect(retries).toEqual([2 * RETRY_MIN_MS])
    expect(outbox.settled).toBe(false)
    const retried = outbox.flush(['a', 'b'])
    await clock.advance(0)
    await retried
    expect(retries).toEqual([2 * RETRY_MIN_MS, 4 * RETRY_MIN_MS])
    fail = false
    const flushed = outbox.flush(['a', 'b'])
    await clock.advance(0)
    await flushed
    expect(outbox.settled).toBe(true)
  })

  it('tells both members again after a wake, even with nothing marked', async () => {
    const { clock, outbox, delivered } = setup()
    outbox.wokeWithHistory()
    const flushed = outbox.flush(['a', 'b'])
    await clock.advance(0)
    await flushed
    expect(delivered.map((d) => d.userId).sort()).toEqual(['a', 'b'])
    await outbox.flush(['a', 'b'])
    expect(delivered).toHaveLength(2)
  })

  // A round that ends settles its promise over a few microtasks; a change landing in any
  // of them once waited for the room's alarm (up to 30 s) instead of DELIVERY_DELAY_MS.
  it.each(Array.from({ length: 12 }, (_, hops) => hops))(
    'delivers a change that lands %i microtasks after a round ends within the delay',
    async (hops) => {
      const clock = new ManualClock()
      const delivered: number[] = []
      let box: Outbox
      let armed = true
      box = new Outbox({
        clock,
        deliverTo: async () => {
          delivered.push(clock.now())
          if (armed) {
            armed = false
            void (async () => {
              await settle(hops + 1)
              box.changed(['a'])
              box.schedule()
              box.hurry()
            })()
          }
          return true
        },
        retryLater: () => {},
        waitUntil: () => {},
      })
      box.changed(['a'])
      box.schedule()
      await clock.advance(DELIVERY_DELAY_MS)
      expect(delivered).toHaveLength(1)
      await clock.advance(2 * DELIVERY_DELAY_MS)
      expect(delivered).toHaveLength(2)
      expect(box.settled).toBe(true)
    },
  )
})
