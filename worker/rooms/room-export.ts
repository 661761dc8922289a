// Pages of a room's messages for a member's data export (CONTRACT.md: the export), oldest
// first, as the history route shows them. Each page decrypts into a cache of its own that is
// dropped with it, so an export of the whole log neither evicts the bodies the room keeps for
// replays nor holds more than one page in memory (ADR 009).
import type { Message } from '../../protocol/api.ts'
import type { FernetKeyring } from '../crypto/fernet.ts'
import { BodyCache } from './body-cache.ts'
import type { MessageLog, MessageRow } from './message-log.ts'
import { MessageView, type ViewOptions } from './message-view.ts'
import type { RoomAttachments } from './room-attachments.ts'

/** Messages one RPC returns at most, whatever the caller asks: one page must stay small. */
export const MAX_EXPORT_PAGE = 1000

export interface ExportPage {
  /** Ascending seq, plaintext bodies. */
  messages: Message[]
  hasMore: boolean
}

export class RoomExport {
  constructor(
    private readonly sql: SqlStorage,
    private readonly log: MessageLog,
    private readonly attachments: RoomAttachments,
    private readonly keyring: () => Promise<FernetKeyring>,
    private readonly label: string,
  ) {}

  /** The `limit` messages after `afterSeq`, ascending. */
  async page(afterSeq: number, limit: number, options: ViewOptions): Promise<ExportPage> {
    const size = Math.max(1, Math.min(MAX_EXPORT_PAGE, Math.floor(limit)))
    // Unbounded on purpose: a page must fit whole (its bodies and the ones it quotes), or
    // building it would wait for bodies the cache keeps evicting. The page size bounds it.
    const view = new MessageView(
      this.log,
      this.attachments,
      new BodyCache(Number.POSITIVE_INFINITY),
      this.keyring,
      this.label,
    )
    let hasMore = false
    const messages = await view.messages(() => {
      const rows = this.sql
        .exec<MessageRow>('select * from messages where seq > ? order by seq limit ?', afterSeq, size + 1)
        .toArray()
      hasMore = rows.length > size
      return rows.slice(0, size)
    }, options)
    return { messages, hasMore }
  }
}
