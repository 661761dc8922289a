// What the ticks on one's own message say (CONTRACT.md: Message, Read receipts): waiting or
// sending until the server's echo, then sent, delivered (it reached one of the peer's devices)
// and read. While read receipts are off, on either side, delivered is as far as it goes.
import type { MessageStatus } from './conversation-store.ts'

export type DeliveryState = 'queued' | 'sending' | 'sent' | 'delivered' | 'read' | 'failed'

export interface DeliveryFacts {
  seq: number | null
  status: MessageStatus
  deliveredAt?: string | undefined
  readAt?: string | undefined
}

export interface PeerProgress {
  peerDeliveredUpTo: number
  peerReadUpTo: number
  /** Both members have read receipts on. */
  readReceipts: boolean
}

export function deliveryStateOf(m: DeliveryFacts, peer: PeerProgress): DeliveryState {
  if (m.seq === null) return m.status === 'sent' ? 'sending' : m.status
  if (peer.readReceipts && (m.seq <= peer.peerReadUpTo || m.readAt)) return 'read'
  // Whoever reads a message has it: a read position also proves delivery.
  if (m.seq <= peer.peerDeliveredUpTo || m.deliveredAt || m.seq <= peer.peerReadUpTo || m.readAt) return 'delivered'
  return 'sent'
}

export const DELIVERY_LABEL: Record<DeliveryState, string> = {
  queued: 'Waiting to send',
  sending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Not sent',
}
