// Staff notices of a conversation ("staff opened the stored messages"): not messages, no seq.
import type { Notice } from '../../protocol/frames.ts'

const NOTICE_INTERVAL_MS = 3600_000
const MAX_NOTICES = 100

export class Notices {
  constructor(private readonly sql: SqlStorage) {}

  /** A notice when this staff member has not viewed the conversation within the hour, else null. */
  record(staffId: string, now: number): Notice | null {
    const last = this.sql
      .exec<{ at: string }>('select at from notices where staff_id = ? order by id desc limit 1', staffId)
      .toArray()[0]
    if (last && now - Date.parse(last.at) < NOTICE_INTERVAL_MS) return null
    const notice: Notice = { kind: 'admin-viewed', at: new Date(now).toISOString() }
    this.sql.exec('insert into notices (kind, staff_id, at) values (?, ?, ?)', notice.kind, staffId, notice.at)
    return notice
  }

  /** The newest MAX_NOTICES. */
  list(): Notice[] {
    return this.sql
      .exec<{ kind: 'admin-viewed'; at: string }>('select kind, at from notices order by id desc limit ?', MAX_NOTICES)
      .toArray()
      .map((n) => ({ kind: n.kind, at: n.at }))
  }
}
