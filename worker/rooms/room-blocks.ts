// Which members of the room blocked the other (CONTRACT.md: Blocking), as the Worker last
// said: in memory, written through to the room's SQLite. D1 holds the truth; the Worker tells
// the room on every block and unblock, and again on each upgrade and history call, so a room
// that missed a call converges on the next one.
import type { BlockState } from '../../protocol/api.ts'
import { blockStateFor } from '../db/blocks.ts'

export class RoomBlocks {
  private blockers = new Set<string>()

  constructor(private readonly sql: SqlStorage) {}

  load(): void {
    this.blockers = new Set(
      this.sql
        .exec<{ user_id: string }>('select user_id from blocks')
        .toArray()
        .map((r) => r.user_id),
    )
  }

  /** Replaces the set of blockers (only members count); true when it changed. */
  set(members: readonly string[], blockers: readonly string[]): boolean {
    const next = new Set(blockers.filter((b) => members.includes(b)))
    if (next.size === this.blockers.size && [...next].every((b) => this.blockers.has(b))) return false
    this.sql.exec('delete from blocks')
    for (const b of next) this.sql.exec('insert into blocks (user_id) values (?)', b)
    this.blockers = next
    return true
  }

  /** While either member has blocked the other, nobody sends, edits or reacts. */
  get active(): boolean {
    return this.blockers.size > 0
  }

  stateFor(userId: string): BlockState {
    return blockStateFor(userId, [...this.blockers])
  }
}

/** The blockers header: ids, comma-separated, '' for none. Null (no header) says nothing. */
export function parseBlockers(header: string | null | undefined): string[] | null {
  if (header === null || header === undefined) return null
  return header === '' ? [] : header.split(',')
}
