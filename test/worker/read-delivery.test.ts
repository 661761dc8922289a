// A read clears the reader's unread count and notifications as promptly as a message
// raises them, even while the room is between throttled snapshots (issue 10 §1).
import { describe, expect, it } from 'vitest'
import { signUp } from './helpers/http.ts'
import { type Frame, openChat, openSocket } from './helpers/socket.ts'

const unread = (total: number) => (f: Frame) => f.type === 'unread' && f.total === total

describe('read state reaching the inbox', () => {
  it('clears the unread total within 300 ms of a read, right after a delivery', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const notifications = await openSocket('/api/notifications/ws', b.cookie)
    await notifications.next(unread(0))
    const reader = await openSocket(`/api/conversations/${a.id}/ws?viewing=false`, b.cookie)
    await reader.nextOfType('ready')
    const writer = await openChat(a.cookie, b.id)
    writer.send({ type: 'send', clientId: 'm1', body: 'are you there?' })
    // The owed notification comes with the room's first delivery; the next snapshot of a
    // busy room is due 0.5 to 1.5 s after it.
    await notifications.next(unread(1))
    const readAt = Date.now()
    reader.send({ type: 'read', upTo: 1 })
    await notifications.next(unread(0), 2000)
    expect(Date.now() - readAt).toBeLessThan(300)
    for (const s of [notifications, reader, writer]) s.close()
  })
})
