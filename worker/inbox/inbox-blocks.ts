// The user's blocks with each peer, either way (CONTRACT.md: Blocking), for the `blocked`
// field of their conversation entries. Keyed by peer, not by room, so a block told before the
// conversation's first message still shows once it is listed. Only non-'none' states have a row.
import type { BlockState } from '../../protocol/api.ts'

const STATES: readonly BlockState[] = ['none', 'by-me', 'by-peer']

export class InboxBlocks {
  constructor(private readonly sql: SqlStorage) {}

  of(peerId: string): BlockState {
    const row = this.sql.exec<{ state: string }>('select state from blocks where peer_id = ?', peerId).toArray()[0]
    return row && STATES.includes(row.state as BlockState) ? (row.state as BlockState) : 'none'
  }

  /** Records the state with this peer; false when it was so already. */
  set(peerId: string, state: BlockState): boolean {
    if (this.of(peerId) === state) return false
    if (state === 'none') this.sql.exec('delete from blocks where peer_id = ?', peerId)
    else
      this.sql.exec(
        'insert into blocks (peer_id, state) values (?, ?) on conflict (peer_id) do update set state = excluded.state',
        peerId,
        state,
      )
    return true
  }
}
