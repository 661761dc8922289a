// The ticks on one's own messages (client/src/chat/delivery-state.ts) and who reacted, in words
// (client/src/chat/reaction-summary.ts).
import { describe, expect, it } from 'vitest'
import { deliveryStateOf } from '../../client/src/chat/delivery-state.ts'
import { reactionLabel, reactorNames } from '../../client/src/chat/reaction-summary.ts'

const peer = { peerDeliveredUpTo: 0, peerReadUpTo: 0, readReceipts: true }

describe('ticks', () => {
  it('goes from sent to delivered to read as the peer’s positions pass the message', () => {
    const m = { seq: 4, status: 'sent' as const }
    expect(deliveryStateOf(m, peer)).toBe('sent')
    expect(deliveryStateOf(m, { ...peer, peerDeliveredUpTo: 4 })).toBe('delivered')
    expect(deliveryStateOf(m, { ...peer, peerDeliveredUpTo: 4, peerReadUpTo: 5 })).toBe('read')
  })

  it('takes deliveredAt on the message itself as delivered', () => {
    expect(deliveryStateOf({ seq: 9, status: 'sent', deliveredAt: 'x' }, peer)).toBe('delivered')
  })

  it('shows delivered at most while read receipts are off', () => {
    const off = { ...peer, readReceipts: false, peerReadUpTo: 9 }
    expect(deliveryStateOf({ seq: 4, status: 'sent', readAt: 'x' }, off)).toBe('delivered')
  })

  it('keeps the waiting states of a message the server has not stored', () => {
    expect(deliveryStateOf({ seq: null, status: 'queued' }, peer)).toBe('queued')
    expect(deliveryStateOf({ seq: null, status: 'failed' }, peer)).toBe('failed')
  })
})

describe('who reacted', () => {
  it('names the person as "You", first', () => {
    expect(reactorNames(['peer', 'me'], 'me', 'Ada')).toBe('You and Ada')
    expect(reactorNames(['peer'], 'me', 'Ada')).toBe('Ada')
    expect(reactionLabel('👍', ['me', 'peer'], 'me', 'Ada')).toBe('👍 2 from You and Ada')
  })
})
