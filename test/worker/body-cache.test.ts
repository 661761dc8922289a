// The room's plaintext cache: concurrent replays share one decrypt per message, and it
// holds a bounded number of characters.
import { describe, expect, it } from 'vitest'
import { BodyCache } from '../../worker/rooms/body-cache.ts'

describe('body cache', () => {
  it('decrypts a message once for any number of concurrent readers', async () => {
    const cache = new BodyCache()
    let opened = 0
    const open = async () => {
      opened++
      await new Promise((r) => setTimeout(r, 5))
      return 'hello'
    }
    const bodies = await Promise.all(Array.from({ length: 30 }, () => cache.get(7, open)))
    expect(bodies).toEqual(Array(30).fill('hello'))
    expect(opened).toBe(1)
  })

  it('serves a body put by a send without decrypting', async () => {
    const cache = new BodyCache()
    cache.put(1, 'just sent')
    expect(await cache.get(1, () => Promise.reject(new Error('must not decrypt')))).toBe('just sent')
  })

  it('forgets the oldest bodies once it holds more characters than its bound', async () => {
    const cache = new BodyCache(10)
    cache.put(1, 'aaaaa')
    cache.put(2, 'bbbbb')
    cache.put(3, 'ccccc')
    let opened = 0
    const open = async () => {
      opened++
      return 'x'
    }
    expect(await cache.get(3, open)).toBe('ccccc')
    expect(await cache.get(2, open)).toBe('bbbbb')
    expect(opened).toBe(0)
    expect(await cache.get(1, open)).toBe('x')
    expect(opened).toBe(1)
  })

  it('decrypts again after a decrypt failed', async () => {
    const cache = new BodyCache()
    await expect(cache.get(1, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(await cache.get(1, async () => 'second try')).toBe('second try')
  })
})
