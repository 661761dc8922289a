// The deleted user's own UserInbox drives their erasure (CONTRACT.md: Deleting an account;
// ADR 009): every room they are in erases them (ChatRoom.eraseMember), a few rooms at a
// time from the inbox's alarm, resumably; then the inbox wipes its own storage. What is
// left to do is stored here, so a restart or a deploy midway only delays it.
import { isDeletedAccount, roomsOfMember } from '../db/account-deletion.ts'
import { openDb } from '../db/client.ts'
import type { Env } from '../env.ts'
import { roomById } from '../rooms/room-key.ts'
import { closeWith } from '../sockets/close.ts'
import { migrateInbox } from './user-inbox-schema.ts'

/** Rooms erased before DELETE /api/me answers: a small account is gone at once. */
export const INLINE_ROOMS = 10
/** Rooms erased per alarm after that. */
export const ROOMS_PER_ALARM = 20
/** An erasure announced but not begun (the Worker stopped between D1 and here) is checked after this. */
export const EXPECT_MS = 60_000
/** A room that failed is tried again after this. */
export const RETRY_MS = 5_000

interface ErasureState {
  userId: string
  /** expected: D1 may not be done yet; running: rooms are being erased; done: storage wiped. */
  phase: 'expected' | 'running' | 'done'
  /** Whether D1's list of the user's rooms was added to the inbox's own. */
  listed: boolean
}

const KEY = 'account_erasure'

export class AccountErasure {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly sql: SqlStorage,
    private readonly env: Env,
  ) {}

  private get state(): ErasureState | undefined {
    return this.ctx.storage.kv.get<ErasureState>(KEY)
  }

  private set state(s: ErasureState) {
    this.ctx.storage.kv.put(KEY, s)
  }

  /**
   * Whether the account is being (or was) erased: the inbox then keeps nothing new (push
   * subscriptions, storage reservations, sockets; a room's delivery is `claims`ed).
   */
  get active(): boolean {
    const phase = this.state?.phase
    return phase === 'running' || phase === 'done'
  }

  /**
   * Before D1 is changed: if the Worker stops before `begin`, the alarm finds the tombstone
   * and begins itself (or forgets it, when the D1 batch did not happen).
   */
  async expect(userId: string): Promise<void> {
    if (this.active) return
    this.state = { userId, phase: 'expected', listed: false }
    await this.ctx.storage.setAlarm(Date.now() + EXPECT_MS)
  }

  /** D1 is done: erase the first rooms now, the rest from the alarm. */
  async begin(userId: string): Promise<void> {
    const current = this.state
    if (current?.phase !== 'running') this.state = { userId, phase: 'running', listed: current?.listed ?? false }
    // The notifications sockets end here too, should the Worker's endSessions have failed.
    for (const ws of this.ctx.getWebSockets()) closeWith(ws, 4401, 'account deleted')
    this.sql.exec(
      'insert or ignore into erasure_rooms (room_id) select room_id from conversations union select room_id from socket_rooms',
    )
    // Durable before any room is called: whatever happens to this request, the alarm goes on.
    await this.ctx.storage.setAlarm(Date.now() + RETRY_MS)
    await this.run(INLINE_ROOMS)
  }

  /**
   * A room told the inbox of a change after the erasure began (its first message was on the
   * way while the rooms were listed): it is erased too, and the inbox stores nothing of it.
   */
  claims(roomId: string): boolean {
    const s = this.state
    if (!s || s.phase === 'expected') return false
    this.sql.exec('insert or ignore into erasure_rooms (room_id) values (?)', roomId)
    if (s.phase === 'done') this.state = { ...s, phase: 'running' }
    this.ctx.waitUntil(this.ctx.storage.setAlarm(Date.now()))
    return true
  }

  async alarm(): Promise<void> {
    const s = this.state
    if (!s || s.phase === 'done') return
    // Re-armed before anything can fail (D1, a room): a failure only delays the erasure,
    // whatever the runtime does with an alarm that throws.
    await this.ctx.storage.setAlarm(Date.now() + RETRY_MS)
    try {
      if (s.phase === 'expected') {
        if (await isDeletedAccount(openDb(this.env.DB), s.userId)) return await this.begin(s.userId)
        this.ctx.storage.kv.delete(KEY)
        await this.ctx.storage.deleteAlarm()
        return
      }
      await this.run(ROOMS_PER_ALARM)
    } catch (err) {
      console.error(`account erasure of ${s.userId}: retrying in ${RETRY_MS} ms`, err)
    }
  }

  /** Erases up to `limit` rooms; arms the alarm for what is left, or wipes the inbox when nothing is. */
  private async run(limit: number): Promise<void> {
    const s = this.state
    if (s?.phase !== 'running') return
    if (!s.listed) {
      // Rooms D1 knows of that the inbox never heard of (their first delivery was on its way).
      for (const id of await roomsOfMember(openDb(this.env.DB), s.userId)) {
        this.sql.exec('insert or ignore into erasure_rooms (room_id) values (?)', id)
      }
      this.state = { ...s, listed: true }
    }
    const rooms = this.sql
      .exec<{ room_id: string }>('select room_id from erasure_rooms limit ?', limit)
      .toArray()
      .map((r) => r.room_id)
    const results = await Promise.allSettled(rooms.map((id) => roomById(this.env, id).eraseMember(s.userId)))
    let failed = false
    results.forEach((r, i) => {
      if (r.status === 'fulfilled' && r.value.done)
        this.sql.exec('delete from erasure_rooms where room_id = ?', rooms[i]!)
      else if (r.status === 'rejected') {
        failed = true
        console.error(`account erasure: room ${rooms[i]} not erased yet; retrying`, r.reason)
      }
    })
    const left = this.sql.exec<{ n: number }>('select count(*) as n from erasure_rooms').one().n
    if (left > 0) await this.ctx.storage.setAlarm(Date.now() + (failed ? RETRY_MS : 0))
    else await this.wipe(s.userId)
  }

  /** Conversations, notifications, push subscriptions, everything: only the fact of the erasure stays. */
  private async wipe(userId: string): Promise<void> {
    await this.ctx.storage.deleteAlarm()
    await this.ctx.storage.deleteAll()
    migrateInbox(this.sql)
    this.state = { userId, phase: 'done', listed: true }
  }
}
