// The export's body as a pull-based stream (CONTRACT.md: the export; ADR 009): the head
// (user, sessions, blocks) first, then one page of one conversation per pull, encoded and
// handed on before the next page is asked for. Whatever the total, the Worker holds about
// one page, and a client that stops reading stops the export.
import type { Peer } from '../../protocol/api.ts'
import type { ExportPage } from '../rooms/room-export.ts'

export interface ExportHead {
  exportedAt: string
  user: unknown
  sessions: unknown[]
  blocks: Peer[]
}

export interface ExportedConversation {
  peer: Peer
  /** The messages after `afterSeq`, ascending (a ChatRoom's exportPage). */
  page(afterSeq: number, limit: number): Promise<ExportPage>
}

export interface ExportSource {
  head: ExportHead
  conversations: readonly ExportedConversation[]
  pageSize: number
  /** Between pages: keeps the export's lease. Its failure does not stop the export. */
  onPage?(): Promise<void>
  /** Once, however the stream ends. */
  onEnd(outcome: 'done' | 'failed' | 'cancelled'): void
}

export function exportStream(source: ExportSource): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let headSent = false
  let index = 0
  let afterSeq = 0
  /** The current conversation's `{"peer":…,"messages":[` is out, and how many messages followed it. */
  let opened = false
  let written = 0
  let ended = false
  const end = (outcome: 'done' | 'failed' | 'cancelled') => {
    if (ended) return
    ended = true
    source.onEnd(outcome)
  }

  /** The next piece of the document, and whether it is the last. */
  async function next(): Promise<{ text: string; last: boolean }> {
    const { head, conversations } = source
    if (!headSent) {
      headSent = true
      const text = `{"exportedAt":${json(head.exportedAt)},"user":${json(head.user)},"sessions":${json(head.sessions)},"blocks":${json(head.blocks)},"conversations":[`
      return conversations.length === 0 ? { text: `${text}]}\n`, last: true } : { text, last: false }
    }
    const conversation = conversations[index]!
    await source.onPage?.().catch(() => {})
    const page = await withOneRetry(() => conversation.page(afterSeq, source.pageSize))
    let text = ''
    if (!opened) {
      opened = true
      text += `${index > 0 ? ',' : ''}{"peer":${json(conversation.peer)},"messages":[`
    }
    for (const message of page.messages) {
      text += `${written > 0 ? ',' : ''}${json(message)}`
      written++
      afterSeq = message.seq
    }
    // An empty page with more to come cannot happen (seq only grows); stop rather than loop.
    if (page.hasMore && page.messages.length > 0) return { text, last: false }
    text += ']}'
    index++
    afterSeq = 0
    opened = false
    written = 0
    if (index < conversations.length) return { text, last: false }
    return { text: `${text}]}\n`, last: true }
  }

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { text, last } = await next()
          // The client went away while this page was read: nothing is left to send it to.
          if (ended) return
          controller.enqueue(encoder.encode(text))
          if (last) {
            controller.close()
            end('done')
          }
        } catch (err) {
          if (ended) return
          // The client gets a cut-off document, which no JSON parser accepts: never a silent gap.
          console.error('data export: a page could not be read', err)
          controller.error(err)
          end('failed')
        }
      },
      cancel() {
        end('cancelled')
      },
    },
    // Nothing is read ahead: a page is fetched only when the previous one has been taken.
    { highWaterMark: 0 },
  )
}

function json(value: unknown): string {
  return JSON.stringify(value)
}

/** A Durable Object that was reset or moved answers a retryable error: one more try, then it fails. */
async function withOneRetry<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    if ((err as { retryable?: unknown } | null)?.retryable !== true) throw err
    return work()
  }
}
