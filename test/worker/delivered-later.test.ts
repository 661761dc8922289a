// Delivery reaches the sender when the recipient's device connects later, not only while
// it is connected (CONTRACT.md: deliveredAt, "or later opened ... their notifications socket").
import { describe, expect, it } from 'vitest'
import { signUp } from './helpers/http.ts'
import { type Frame, openChat, openSocket } from './helpers/socket.ts'

const isMessage = (seq: number) => (f: Frame) => f.type === 'message' && f.message.seq === seq

describe('delivered later', () => {
  it('tells the sender once the recipient opens their notifications socket', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const wa = await openChat(a.cookie, b.id)
    wa.send({ type: 'send', clientId: 'd1', body: 'are you there?' })
    await wa.next(isMessage(1))
    expect(await wa.silentFor((f) => f.type === 'delivered', 500)).toBe(true)
    const notifications = await openSocket('/api/notifications/ws', b.cookie)
    const delivered = await wa.next((f) => f.type === 'delivered')
    expect(delivered).toMatchObject({ userId: b.id, upTo: 1 })
    notifications.close()
    wa.close()
  })

  it('tells the sender once the recipient opens the conversation', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const wa = await openChat(a.cookie, b.id)
    wa.send({ type: 'send', clientId: 'd1', body: 'hello' })
    await wa.next(isMessage(1))
    const wb = await openChat(b.cookie, a.id)
    expect(wb.ready?.deliveredUpTo).toEqual({ [a.id]: 0, [b.id]: 1 })
    expect(await wa.next((f) => f.type === 'delivered')).toMatchObject({ userId: b.id, upTo: 1 })
    wb.close()
    wa.close()
  })
})
