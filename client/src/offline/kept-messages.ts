// One conversation's newest messages kept on the device (offline-db.ts): written as they
// arrive, shown when the conversation opens without a network. What is shown from the device
// is only a stand-in: the first history page from the server replaces it whole, so the live
// session (replay cursor, read positions) starts exactly as it would have without it.
import type { Message } from '../../../protocol/api.ts'
import type { ChatMessage, ConversationStore } from '../chat/conversation-store.ts'
import { loadMessages, MESSAGES_KEPT, saveMessages } from './offline-db.ts'

const FIELDS = [
  'readAt',
  'deliveredAt',
  'editedAt',
  'deletedAt',
  'replyTo',
  'reactions',
  'attachments',
  'unreadable',
] as const

function asMessage(m: ChatMessage): Message {
  const message: Message = {
    seq: m.seq!,
    clientId: m.clientId,
    senderId: m.senderId,
    body: m.body,
    sentAt: m.sentAt,
    rev: m.rev,
  }
  for (const field of FIELDS)
    if (m[field] !== undefined) (message as unknown as Record<string, unknown>)[field] = m[field]
  return message
}

export interface KeptMessages {
  /** Shows the kept messages, if the conversation has nothing from the server yet. */
  show(): void
  /** Whether what is on screen came from the device: the server's page must replace it. */
  shown(): boolean
  /** The server's messages are on screen now. */
  replaced(): void
  /** Keeps the newest acknowledged messages as they are now (debounced). */
  keep(): void
}

export function createKeptMessages(me: string, peerId: string, store: ConversationStore): KeptMessages {
  let fromDevice = false
  return {
    show() {
      void loadMessages(me, peerId).then((kept) => {
        // The server answered first (the network came back): its copy wins.
        if (!kept?.length || store.state.historyLoaded || store.lastSeq() !== 0) return
        fromDevice = true
        store.mergeMessages(kept)
        store.setState('keptOnly', true)
      })
    },
    shown: () => fromDevice,
    replaced() {
      fromDevice = false
      store.setState('keptOnly', false)
    },
    keep() {
      // Never write back what was only read from the device (it may be missing newer changes).
      if (fromDevice) return
      saveMessages(me, peerId, () => {
        const acknowledged = store.state.messages.filter((m) => m.seq !== null)
        return acknowledged.slice(-MESSAGES_KEPT).map(asMessage)
      })
    },
  }
}
