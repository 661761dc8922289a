// Password-hashing slots of this isolate (issue 10). One argon2id hash holds the isolate's
// CPU for ~300 ms (and 19 MiB), and every other request in the isolate waits behind the
// hashes queued ahead of it, so a burst of sign-ins must not pile them up. A request holds
// a slot from before its account lookup to its last hash; `queue` more may wait for one
// (a timer now and then, no hashing); anyone beyond is refused at once, before any lookup
// or hashing, so the refusal says nothing about the account.
import { burnPasswordCheckSliced, hashPasswordSliced, verifyPasswordSliced } from '../crypto/password.ts'

export interface HashBound {
  /** Requests hashing (or about to) at once. */
  inFlight: number
  /** Requests waiting for a slot; more than this are refused. */
  queue: number
}

/** The only way the Worker hashes passwords: through a slot it holds. */
export interface HashSlot {
  hash(password: string): Promise<string>
  verify(password: string, phc: string): Promise<boolean>
  /** The cost of a verification, for an email without an account. */
  burn(password: string): Promise<void>
  /** Idempotent: the first waiter in line takes the slot on its next look. */
  release(): void
}

/**
 * A slot is a lease: a request the runtime cancels (its client went away) never runs its
 * `finally`, so a slot held longer than this is taken back rather than lost for good.
 */
export const HASH_SLOT_LEASE_MS = 15_000

/**
 * A waiter looks for a free slot on its own timer: had the releasing request woken it, the
 * waiter's code would run in that request's I/O context, which workerd refuses. The head of
 * the line looks every WAIT_POLL_MS, the ones behind it less often.
 */
const WAIT_POLL_MS = 10
const WAIT_POLL_MAX_MS = 100
/** A waiter that stopped looking (its request was cancelled) leaves the line after this. */
const WAITER_STALE_MS = 5_000

interface Lease {
  expires: number
}

interface Waiter {
  seen: number
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export class HashSlots {
  private readonly leases = new Set<Lease>()
  private readonly waiting: Waiter[] = []
  private inFlight = 1

  /** A slot, after waiting in line if need be; null at once when the line is full. */
  async take(bound: HashBound, now = Date.now()): Promise<HashSlot | null> {
    this.inFlight = bound.inFlight
    this.tidy(now)
    if (this.leases.size < this.inFlight && this.waiting.length === 0) return this.slot(this.lease(now))
    if (this.waiting.length >= bound.queue) return null
    const me: Waiter = { seen: now }
    this.waiting.push(me)
    for (;;) {
      const place = Math.max(0, this.waiting.indexOf(me))
      await sleep(Math.min(WAIT_POLL_MS * (place + 1), WAIT_POLL_MAX_MS))
      const t = Date.now()
      me.seen = t
      this.tidy(t)
      if (!this.waiting.includes(me)) this.waiting.push(me)
      if (this.waiting[0] === me && this.leases.size < this.inFlight) {
        this.waiting.shift()
        return this.slot(this.lease(t))
      }
    }
  }

  private tidy(now: number): void {
    for (const lease of this.leases) if (lease.expires <= now) this.leases.delete(lease)
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (now - (this.waiting[i]?.seen ?? now) > WAITER_STALE_MS) this.waiting.splice(i, 1)
    }
  }

  private lease(now: number): Lease {
    const lease = { expires: now + HASH_SLOT_LEASE_MS }
    this.leases.add(lease)
    return lease
  }

  private slot(lease: Lease): HashSlot {
    let held = true
    const holding = <T>(work: () => Promise<T>): Promise<T> => {
      if (!held) return Promise.reject(new Error('password hash outside a hash slot'))
      return work()
    }
    return {
      hash: (password) => holding(() => hashPasswordSliced(password)),
      verify: (password, phc) => holding(() => verifyPasswordSliced(password, phc)),
      burn: (password) => holding(() => burnPasswordCheckSliced(password)),
      release: () => {
        if (!held) return
        held = false
        this.leases.delete(lease)
      },
    }
  }
}

/** Module state is per isolate: this is the isolate's one set of slots. */
export const passwordHashing = new HashSlots()
