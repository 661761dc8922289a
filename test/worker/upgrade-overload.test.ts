// Overload answered, not queued (issue 15; ADR 012): an object taking more upgrades per second
// than MAX_UPGRADES_PER_SECOND allows, a Worker isolate with MAX_PENDING_UPGRADES upgrades
// already waiting on D1, and an upgrade that fails on our side (D1 unreachable) are each
// answered with a socket closed at once with 1013, its reason `retry-after=<seconds>` and a
// `closing` frame carrying it, plus Retry-After on the 101.
import { env } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { call, signUp } from './helpers/http.ts'
import { useVars } from './helpers/limits.ts'
import { TestSocket, upgrade } from './helpers/socket.ts'

const { setVars } = useVars()
const sockets: TestSocket[] = []
afterEach(() => {
  for (const s of sockets.splice(0)) s.close()
})

interface Answer {
  status: number
  retryAfter: string | null
  socket: TestSocket | null
}

async function answer(res: Response): Promise<Answer> {
  const socket = res.webSocket ? new TestSocket(res.webSocket) : null
  if (socket) sockets.push(socket)
  if (!socket) await res.body?.cancel()
  return { status: res.status, retryAfter: res.headers.get('retry-after'), socket }
}

/** Waits for the socket's first frame or its close; true when it was told 1013. */
async function toldToWait(a: Answer): Promise<boolean> {
  const first = await a.socket!.next(() => true).catch(() => null)
  if (first?.type !== 'closing') return false
  expect(first.code).toBe(1013)
  expect(first.reason).toMatch(/^overloaded; retry-after=\d+$/)
  expect(await a.socket!.closed).toBe(1013)
  expect(a.socket!.closeReason).toBe(first.reason)
  expect(Number(a.retryAfter)).toBe(Number(/retry-after=(\d+)/.exec(first.reason)![1]))
  return true
}

describe('1013 and Retry-After', () => {
  it('from a room taking more upgrades per second than MAX_UPGRADES_PER_SECOND', async () => {
    setVars({ MAX_UPGRADES_PER_SECOND: '1' })
    const [a, b] = await Promise.all([signUp(), signUp()])
    // A burst of 2 is admitted; 8 at once cannot all be.
    const answers = await Promise.all(
      Array.from({ length: 8 }, async () => answer(await upgrade(`/api/conversations/${b.id}/ws`, a.cookie))),
    )
    expect(answers.map((x) => x.status)).toEqual(Array(8).fill(101))
    const told = await Promise.all(answers.map(toldToWait))
    expect(told.filter(Boolean).length).toBeGreaterThanOrEqual(1)
    expect(told.filter((t) => !t).length).toBeGreaterThanOrEqual(2)
  })

  it('from an inbox taking more upgrades per second than MAX_UPGRADES_PER_SECOND', async () => {
    setVars({ MAX_UPGRADES_PER_SECOND: '1' })
    const a = await signUp()
    const answers = await Promise.all(
      Array.from({ length: 8 }, async () => answer(await upgrade('/api/notifications/ws', a.cookie))),
    )
    const told = await Promise.all(answers.map(toldToWait))
    expect(told.filter(Boolean).length).toBeGreaterThanOrEqual(1)
  })

  it('from the Worker when MAX_PENDING_UPGRADES upgrades already wait', async () => {
    setVars({ MAX_PENDING_UPGRADES: '1' })
    const users = await Promise.all(Array.from({ length: 8 }, () => signUp()))
    const answers = await Promise.all(users.map(async (u) => answer(await upgrade('/api/notifications/ws', u.cookie))))
    const told = await Promise.all(answers.map(toldToWait))
    expect(told.filter(Boolean).length).toBeGreaterThanOrEqual(1)
    for (const [i, t] of told.entries()) if (t) expect(answers[i]!.retryAfter).toBe('2')
  })

  it('from the Worker when D1 fails during the upgrade, where other requests get 500', async () => {
    const a = await signUp()
    // An outage: the real binding's statements fail the way an unreachable D1's do.
    const bag = env as unknown as { DB: D1Database }
    const real = bag.DB
    const down = new Error('D1_ERROR: Network connection lost.')
    bag.DB = {
      prepare: (query: string) => {
        const stmt = real.prepare(query)
        const fail = async () => {
          throw down
        }
        return Object.assign(stmt, {
          bind: () => Object.assign(stmt, { first: fail, all: fail, run: fail, raw: fail }),
          first: fail,
          all: fail,
          run: fail,
          raw: fail,
        })
      },
      batch: async () => {
        throw down
      },
      exec: async () => {
        throw down
      },
      withSession: (c) => real.withSession(c),
      dump: () => real.dump(),
    } satisfies D1Database
    try {
      const res = await answer(await upgrade('/api/notifications/ws', a.cookie))
      expect(res.status).toBe(101)
      expect(res.retryAfter).toBe('5')
      expect(await toldToWait(res)).toBe(true)
      const plain = await call('/api/notifications', { cookie: a.cookie })
      expect(plain.status).toBe(500)
      await plain.body?.cancel()
    } finally {
      bag.DB = real
    }
  })
})
