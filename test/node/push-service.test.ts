// The tests' Web Push service (push-service.ts) answers a push as it was set when the push
// arrived. It counts a push on arrival and answers only after checking VAPID and decrypting;
// a worker test that sees the count and changes the answer (push-endpoints.test.ts) must not
// change the answer of the push it just saw, or a push meant to succeed fails, the
// subscription reaches its failure limit and is dropped, and the next push never arrives.
import { request } from 'node:http'
import { buildPushPayload } from '@block65/webcrypto-web-push'
import { afterAll, describe, expect, it } from 'vitest'
import { generateVapidKeys } from '../../scripts/lib/dev-server.ts'
import { type PushService, startPushService } from './push-service.ts'

interface Subscription {
  endpoint: string
  keys: { p256dh: string; auth: string }
}

const vapid = generateVapidKeys()
let service: PushService | undefined

afterAll(() => service?.server.close())

async function started(): Promise<string> {
  service ??= await startPushService()
  return `http://127.0.0.1:${service.port}`
}

async function payloadFor(sub: Subscription) {
  return buildPushPayload(
    { data: { title: 'Ada', body: 'hello', seq: 1 }, options: { ttl: 60, urgency: 'high', topic: 'room' } },
    { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys },
    { subject: 'mailto:tests@parley.test', publicKey: vapid.publicKey, privateKey: vapid.privateKey },
  )
}

const pathOf = (sub: Subscription) => new URL(sub.endpoint).pathname
const idOf = (sub: Subscription) => pathOf(sub).split('/').pop()

async function attempts(base: string, sub: Subscription): Promise<number> {
  return (await (await fetch(`${base}/attempts/${idOf(sub)}`)).json()) as number
}

/**
 * Sends a push's headers, runs `meanwhile` once the service has counted it, then sends its
 * body: the service is still checking the push when `meanwhile` runs. Resolves to its status.
 */
async function pushWhile(base: string, sub: Subscription, meanwhile: () => Promise<void>): Promise<number> {
  const { headers, body } = await payloadFor(sub)
  const req = request(`${base}${pathOf(sub)}`, { method: 'POST', headers })
  const answered = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
  })
  req.flushHeaders()
  const deadline = Date.now() + 10_000
  while ((await attempts(base, sub)) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  await meanwhile()
  req.end(body)
  return answered
}

describe('test push service', () => {
  it('answers a push as it was set when the push arrived, and later pushes with the new answer', async () => {
    const base = await started()
    const sub = (await (await fetch(`${base}/new?status=201`, { method: 'POST' })).json()) as Subscription
    const status = await pushWhile(base, sub, async () => {
      expect(await attempts(base, sub)).toBe(1)
      await (await fetch(`${base}/answer/${idOf(sub)}?status=503`, { method: 'POST' })).body?.cancel()
    })
    expect(status).toBe(201)
    const later = await fetch(`${base}${pathOf(sub)}`, await payloadFor(sub))
    await later.body?.cancel()
    expect(later.status).toBe(503)
    expect(await attempts(base, sub)).toBe(2)
    const received = (await (await fetch(`${base}/received/${idOf(sub)}`)).json()) as { payload: unknown }[]
    expect(received.map((r) => r.payload)).toEqual([expect.objectContaining({ body: 'hello' })])
  })
})
