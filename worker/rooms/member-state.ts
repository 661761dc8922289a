// What the room knows of each member besides their messages: how far they have read, how
// far the other member's messages have reached their devices, and their read receipts
// switch. Held in memory, written through to the room's SQLite in the caller's transaction.

export type Position = 'read' | 'delivered'

const TABLE: Record<Position, string> = { read: 'read_state', delivered: 'delivery_state' }

export class MemberState {
  private readonly upTo: Record<Position, Map<string, number>> = { read: new Map(), delivered: new Map() }
  private readonly receipts = new Map<string, boolean>()
  /** Grows with every switch of read receipts, for the inbox snapshot's version. */
  private receiptsVersion = 0

  constructor(private readonly sql: SqlStorage) {}

  load(): void {
    for (const p of ['read', 'delivered'] as const) {
      for (const r of this.sql.exec<{ user_id: string; up_to: number }>(`select user_id, up_to from ${TABLE[p]}`)) {
        this.upTo[p].set(r.user_id, r.up_to)
      }
    }
    for (const r of this.sql.exec<{ user_id: string; read_receipts: number }>('select * from member_prefs')) {
      this.receipts.set(r.user_id, r.read_receipts === 1)
    }
    const v = this.sql.exec<{ value: string }>("select value from meta where key = 'receipts_version'").toArray()[0]
    this.receiptsVersion = Number(v?.value ?? 0)
  }

  get(p: Position, userId: string): number {
    return this.upTo[p].get(userId) ?? 0
  }

  /** Moves a position forward; false (and nothing written) when it is there already. */
  advance(p: Position, userId: string, upTo: number, at: string): boolean {
    if (upTo <= this.get(p, userId)) return false
    this.sql.exec(
      `insert into ${TABLE[p]} (user_id, up_to, at) values (?, ?, ?)
       on conflict (user_id) do update set up_to = excluded.up_to, at = excluded.at`,
      userId,
      upTo,
      at,
    )
    this.upTo[p].set(userId, upTo)
    return true
  }

  /** Both members have read receipts on (a member the room has not heard from counts as on). */
  receiptsOn(members: readonly string[]): boolean {
    return members.every((m) => this.receipts.get(m) !== false)
  }

  /** Records a member's switch; false when it is already so. */
  setReceipts(userId: string, on: boolean): boolean {
    const before = this.receipts.get(userId)
    if (before === on) return false
    this.sql.exec(
      `insert into member_prefs (user_id, read_receipts) values (?, ?)
       on conflict (user_id) do update set read_receipts = excluded.read_receipts`,
      userId,
      on ? 1 : 0,
    )
    this.receipts.set(userId, on)
    // A first record of the default changes nothing anyone sees.
    if ((before ?? true) === on) return false
    this.receiptsVersion++
    this.sql.exec(
      `insert into meta (key, value) values ('receipts_version', ?)
       on conflict (key) do update set value = excluded.value`,
      String(this.receiptsVersion),
    )
    return true
  }

  /** Grows with every read, delivery and switch: part of the inbox snapshot's version. */
  version(): number {
    let v = this.receiptsVersion
    for (const p of ['read', 'delivered'] as const) for (const n of this.upTo[p].values()) v += n
    return v
  }

  /** The read positions one member may see: the other member's is 0 while receipts are off. */
  readSeenBy(viewer: string, members: readonly string[]): Record<string, number> {
    const on = this.receiptsOn(members)
    const state: Record<string, number> = {}
    for (const m of members) state[m] = m === viewer || on ? this.get('read', m) : 0
    return state
  }

  positions(p: Position, members: readonly string[]): Record<string, number> {
    const state: Record<string, number> = {}
    for (const m of members) state[m] = this.get(p, m)
    return state
  }
}
