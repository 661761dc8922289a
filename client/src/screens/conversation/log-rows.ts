// The rows of a conversation's log: messages, a separator where the day changes, and the
// admin-viewed notices at their place in time. Row objects are reused between runs, so the
// list renders only what is new.
import { createMemo } from 'solid-js'
import type { Notice } from '../../../../protocol/frames.ts'
import { localDayKey } from '../../chat/chat-time.ts'
import type { ChatMessage, ConversationState } from '../../chat/conversation-store.ts'

export type LogRow =
  | { kind: 'day'; key: string; at: string }
  | { kind: 'message'; key: string; message: ChatMessage }
  | { kind: 'notice'; key: string; notice: Notice }

export function createLogRows(state: ConversationState): () => LogRow[] {
  let cache = new Map<string, LogRow>()
  return createMemo(() => {
    const next = new Map<string, LogRow>()
    const rows: LogRow[] = []
    const reuse = <R extends LogRow>(key: string, make: () => R): R => {
      const row = (cache.get(key) as R | undefined) ?? make()
      next.set(key, row)
      rows.push(row)
      return row
    }
    let day = ''
    // A pending message stamped by a skewed local clock can fall on another day; each
    // separator still appears once.
    const seenDays = new Set<string>()
    const dayOf = (at: string) => {
      const key = localDayKey(at)
      if (key !== day && !seenDays.has(key)) {
        day = key
        seenDays.add(key)
        reuse(`day:${key}`, () => ({ kind: 'day', key: `day:${key}`, at }))
      }
    }
    const messages = state.messages
    const first = messages[0]
    // A notice older than the oldest loaded message belongs to a page not loaded yet.
    const notices = state.notices.filter((n) => !state.hasMore || (first !== undefined && n.at >= first.sentAt))
    let n = 0
    for (const message of messages) {
      const at = message.sentAt
      while (n < notices.length && notices[n]!.at < at) {
        const notice = notices[n++]!
        dayOf(notice.at)
        reuse(`notice:${notice.at}`, () => ({ kind: 'notice', key: `notice:${notice.at}`, notice }))
      }
      dayOf(at)
      reuse(`m:${message.key}`, () => ({ kind: 'message', key: `m:${message.key}`, message }))
    }
    while (n < notices.length) {
      const notice = notices[n++]!
      dayOf(notice.at)
      reuse(`notice:${notice.at}`, () => ({ kind: 'notice', key: `notice:${notice.at}`, notice }))
    }
    cache = next
    return rows
  })
}
