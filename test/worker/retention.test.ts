// Retention (issue 13, ADR 009): with RETENTION_DAYS set, each room's alarm destroys its
// expired messages (rows, reactions, attachments in R2 and their quota), a bounded batch
// per run; history, replays and both inboxes then start at the oldest kept seq; each run
// that destroyed something is one audit entry; idle rooms are reached by the one-off walk.
// The clock rooms read for retention (retentionClock) is moved forward here; messages are
// made old by rewriting their sent_at; RETENTION_DAYS is set through the real env.
import { env, runDurableObjectAlarm, runInDurableObject, SELF } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { blobKey } from '../../worker/attachments/attachment-id.ts'
import { inboxOf } from '../../worker/inbox/inbox-key.ts'
import { retentionWalkOf, WALK_PAGE } from '../../worker/rooms/retention-walk.ts'
import { DESTROY_PAGE } from '../../worker/rooms/room-files.ts'
import { roomFor } from '../../worker/rooms/room-key.ts'
import { MAX_DESTROY_ROUNDS, PURGE_BATCH, retentionClock, retentionDaysOf } from '../../worker/rooms/room-retention.ts'
import { closeAll, conversationWith, historyOf, notificationsOf, say } from './helpers/chat.ts'
import { call, ORIGIN, type SignedUp, signUp } from './helpers/http.ts'
import { useVars } from './helpers/limits.ts'
import { type Frame, openChat, openSocket, type TestSocket } from './helpers/socket.ts'
import { eventually } from './helpers/wait.ts'

const DAY = 86_400_000
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8])

afterEach(() => {
  retentionClock.now = () => Date.now()
})

type Sql = DurableObjectState['storage']['sql']

function inRoom<T>(a: SignedUp, b: SignedUp, fn: (sql: Sql, state: DurableObjectState) => T | Promise<T>) {
  return runInDurableObject(roomFor(env, a.id, b.id).stub, (_: unknown, state: DurableObjectState) =>
    fn(state.storage.sql, state),
  )
}

const seqsIn = (a: SignedUp, b: SignedUp) =>
  inRoom(a, b, (sql) =>
    sql
      .exec<{ seq: number }>('select seq from messages order by seq')
      .toArray()
      .map((r) => r.seq),
  )

const countIn = (a: SignedUp, b: SignedUp, table: string) =>
  inRoom(a, b, (sql) => sql.exec<{ n: number }>(`select count(*) as n from ${table}`).one().n)

/** Makes messages (from, to] look sent `ms` ago. */
const sentAgo = (a: SignedUp, b: SignedUp, from: number, to: number, ms: number) =>
  inRoom(a, b, (sql) => {
    sql.exec(
      'update messages set sent_at = ? where seq > ? and seq <= ?',
      new Date(Date.now() - ms).toISOString(),
      from,
      to,
    )
  })

const sentAtOf = (a: SignedUp, b: SignedUp, seq: number) =>
  inRoom(a, b, (sql) =>
    Date.parse(sql.exec<{ sent_at: string }>('select sent_at from messages where seq = ?', seq).one().sent_at),
  )

/** The room's object restarts, as after an eviction: the next call constructs it again from storage. */
async function restart(a: SignedUp, b: SignedUp): Promise<void> {
  await inRoom(a, b, (_, state) => {
    state.abort('restart for the test')
  }).catch(() => {})
}

const alarmOf = (a: SignedUp, b: SignedUp) => inRoom(a, b, (_, state) => state.storage.getAlarm())

/** Runs the room's alarm until the counters reached D1 (they bound what a purge may take). */
async function flushed(a: SignedUp, b: SignedUp, upTo: number): Promise<void> {
  const { roomId, stub } = roomFor(env, a.id, b.id)
  await eventually(
    async () => {
      await runDurableObjectAlarm(stub)
      return env.DB.prepare('select message_count as n from rooms where id = ?').bind(roomId).first<{ n: number }>()
    },
    (row) => (row?.n ?? 0) >= upTo,
  )
}

async function audits(roomId: string) {
  const { results } = await env.DB.prepare(
    "select actor_id, target_type, changes from audit_log where action = 'retention.purge' and target_id = ? order by at",
  )
    .bind(roomId)
    .all<{ actor_id: string | null; target_type: string; changes: string }>()
  return results.map((r) => ({ ...r, changes: JSON.parse(r.changes) as Record<string, unknown> }))
}

async function upload(me: SignedUp, peerId: string): Promise<string> {
  const form = new FormData()
  form.set('file', new File([PNG], 'photo.png', { type: 'image/png' }))
  const res = await SELF.fetch(`${ORIGIN}/api/conversations/${peerId}/attachments`, {
    method: 'POST',
    headers: { cookie: me.cookie },
    body: form,
  })
  expect(res.status).toBe(201)
  return ((await res.json()) as { attachment: { id: string } }).attachment.id
}

/** Bob's chat socket, open but not viewing: Ann's messages raise notifications for him. */
async function openHidden(me: SignedUp, peerId: string): Promise<TestSocket> {
  const ws = await openSocket(`/api/conversations/${peerId}/ws?viewing=false`, me.cookie)
  ws.ready = await ws.nextOfType('ready')
  return ws
}

async function pair(): Promise<{ a: SignedUp; b: SignedUp }> {
  const [a, b] = await Promise.all([signUp({ firstName: 'Ann' }), signUp({ firstName: 'Bob' })])
  return { a, b }
}

describe('with RETENTION_DAYS=30', () => {
  const { setVars } = useVars()

  it('destroys expired messages with their reactions and files; history, replays and inboxes start at the oldest kept seq', async () => {
    setVars({ RETENTION_DAYS: '30' })
    const { a, b } = await pair()
    const { roomId, stub } = roomFor(env, a.id, b.id)
    const wa = await openChat(a.cookie, b.id)
    const wb = await openHidden(b, a.id)
    const file = await upload(a, b.id)
    await say(wa, 'with a photo', { attachments: [file] })
    await say(wa, 'two')
    await say(wa, 'three')
    wb.send({ type: 'react', seq: 2, emoji: '👍', on: true })
    await wa.next((f: Frame) => f.type === 'update' && f.message.seq === 2)
    await say(wa, 'four, quoting two', { replyTo: 2 })
    await say(wa, 'five')
    closeAll(wa, wb)
    await eventually(
      () => notificationsOf(b.cookie),
      (n) => n.notifications.length === 5,
    )
    expect(await inboxOf(env, a.id).storageUsed()).toBe(PNG.length)
    await flushed(a, b, 5)
    expect(await countIn(a, b, 'reactions')).toBe(1)

    // 4–5 were sent 10 days after 1–3; the clock moves 35 days on: 1–3 expired, 4–5 not.
    const sent = await sentAtOf(a, b, 1)
    await sentAgo(a, b, 3, 5, -10 * DAY)
    retentionClock.now = () => sent + 35 * DAY
    expect(await runDurableObjectAlarm(stub)).toBe(true)

    // Rows gone, not flagged: messages, reactions, attachment rows, and the files.
    expect(await seqsIn(a, b)).toEqual([4, 5])
    expect(await countIn(a, b, 'reactions')).toBe(0)
    expect(await countIn(a, b, 'attachments')).toBe(0)
    expect(await countIn(a, b, 'doomed_files')).toBe(0)
    expect(await env.ATTACHMENTS.get(blobKey(file))).toBeNull()
    expect(await inboxOf(env, a.id).storageUsed()).toBe(0)

    // History starts at 4; asking for older pages gets none; the quote of a destroyed message is dropped.
    const history = await historyOf(a.cookie, b.id)
    expect(history.map((m) => m.seq)).toEqual([4, 5])
    expect(history[0]!.body).toBe('four, quoting two')
    expect(history[0]).not.toHaveProperty('replyTo')
    const older = await call(`/api/conversations/${b.id}/messages?before=4`, { cookie: a.cookie })
    expect(await older.json()).toEqual({ messages: [], hasMore: false, notices: expect.any(Array) })
    const page = await call(`/api/conversations/${b.id}/messages?limit=1`, { cookie: a.cookie })
    expect(await page.json()).toMatchObject({ hasMore: true, messages: [{ seq: 5 }] })

    // Replays: a client that had nothing, and one that had up to 2, get 4 and 5; seq keeps counting.
    const fresh = await openChat(a.cookie, b.id, 0, 0)
    expect(fresh.ready).toMatchObject({ lastSeq: 5 })
    await fresh.next((f: Frame) => f.type === 'message' && f.message.seq === 5)
    const behind = await openChat(b.cookie, a.id, 2, 0)
    await behind.next((f: Frame) => f.type === 'message' && f.message.seq === 5)
    const replayed = (s: TestSocket) => s.frames.filter((f) => f.type === 'message').map((f) => f.message.seq)
    expect(replayed(fresh)).toEqual([4, 5])
    expect(replayed(behind)).toEqual([4, 5])
    expect((await say(fresh, 'six')).seq).toBe(6)
    closeAll(fresh, behind)

    // Bob's inbox forgot the notifications of 1–3; the conversation's last message is kept.
    const left = await eventually(
      () => notificationsOf(b.cookie),
      (n) => n.notifications.length === 2,
    )
    expect(left.notifications.map((n) => n.seq).sort()).toEqual([4, 5])
    expect(left.unreadTotal).toBe(2)
    expect((await conversationWith(b.cookie, a.id))?.lastMessage?.seq).toBeGreaterThanOrEqual(5)

    // One audit entry for the run, by nobody, on the conversation.
    const entries = await audits(roomId)
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({ actor_id: null, target_type: 'conversation' })
    expect(entries[0]!.changes).toMatchObject({ messages: 3, files: 1 })
    expect(entries[0]!.changes.before).toBe(new Date(sent + 5 * DAY).toISOString())
  })

  it('forgets a conversation whose every message expired, and seq and rev never go back, even after a wake', async () => {
    setVars({ RETENTION_DAYS: '30' })
    const { a, b } = await pair()
    const { stub } = roomFor(env, a.id, b.id)
    const wa = await openChat(a.cookie, b.id)
    await say(wa, 'one')
    await say(wa, 'two')
    closeAll(wa)
    await eventually(
      () => notificationsOf(b.cookie),
      (n) => n.notifications.length === 2,
    )
    await flushed(a, b, 2)
    const revBefore = await inRoom(a, b, (sql) => sql.exec<{ r: number }>('select max(rev) as r from messages').one().r)

    // The clock moves 31 days on: both are expired.
    const sent = await sentAtOf(a, b, 2)
    retentionClock.now = () => sent + 31 * DAY
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await seqsIn(a, b)).toEqual([])
    // Nothing left to expire: no alarm at all.
    expect(await alarmOf(a, b)).toBeNull()
    await eventually(
      () => notificationsOf(b.cookie),
      (n) => n.notifications.length === 0 && n.unreadTotal === 0,
    )
    await eventually(
      () => conversationWith(b.cookie, a.id),
      (c) => c === undefined,
    )
    expect(await conversationWith(a.cookie, b.id)).toBeUndefined()

    // The room restarts (as after an eviction): it does not count from 0 again.
    await restart(a, b)
    const again = await openChat(a.cookie, b.id)
    expect(again.ready).toMatchObject({ lastSeq: 2 })
    expect(again.ready!.lastRev).toBeGreaterThan(revBefore)
    const three = await say(again, 'three')
    expect(three.seq).toBe(3)
    expect(three.rev).toBeGreaterThan(revBefore + 1)
    closeAll(again)
    expect((await historyOf(a.cookie, b.id)).map((m) => m.seq)).toEqual([3])
    await eventually(
      () => conversationWith(b.cookie, a.id),
      (c) => c?.lastMessage?.seq === 3,
    )
  })

  it(`destroys at most ${PURGE_BATCH} messages per alarm and re-arms at once for the rest`, async () => {
    setVars({ RETENTION_DAYS: '30' })
    const { a, b } = await pair()
    const { roomId, stub } = roomFor(env, a.id, b.id)
    const wa = await openChat(a.cookie, b.id)
    closeAll(wa)
    // A long history, written as the room would have, then a restart so the room loads it.
    const total = PURGE_BATCH + 5
    const sent = new Date().toISOString()
    await inRoom(a, b, (sql) => {
      for (let seq = 1; seq <= total; seq++) {
        sql.exec(
          `insert into messages (seq, client_id, sender_id, body, sent_at, notify, rev) values (?, ?, ?, '', ?, 0, ?)`,
          seq,
          `c${seq}`,
          seq % 2 ? a.id : b.id,
          sent,
          seq,
        )
      }
      sql.exec("insert into meta (key, value) values ('flushed_seq', ?)", String(total))
    })
    await restart(a, b)
    expect(await stub.nudgeRetention()).toBe(true)
    expect(await alarmOf(a, b)).toBe(Date.parse(sent) + 30 * DAY + 1)

    const now = Date.parse(sent) + 31 * DAY
    retentionClock.now = () => now
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await countIn(a, b, 'messages')).toBe(5)
    // More remain: the alarm is due again at once, not in an hour.
    expect(await alarmOf(a, b)).toBe(now)

    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await countIn(a, b, 'messages')).toBe(0)
    expect(await alarmOf(a, b)).toBeNull()
    expect((await audits(roomId)).map((e) => e.changes.messages)).toEqual([PURGE_BATCH, 5])
  })

  it('keeps an idle room at exactly one alarm, its next expiry, and purges within an hour of it', async () => {
    setVars({ RETENTION_DAYS: '30' })
    const { a, b } = await pair()
    const { stub } = roomFor(env, a.id, b.id)
    const wa = await openChat(a.cookie, b.id)
    await say(wa, 'one')
    await flushed(a, b, 1)
    await say(wa, 'two')
    closeAll(wa)
    const expiry = (await sentAtOf(a, b, 1)) + 30 * DAY + 1
    // The last socket closed: the room settles, and the one alarm left is the purge.
    await eventually(
      () => alarmOf(a, b),
      (at) => at === expiry,
    )

    // Early: nothing goes, and the alarm stays at the expiry.
    retentionClock.now = () => expiry - 60_000
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await seqsIn(a, b)).toEqual([1, 2])
    expect(await alarmOf(a, b)).toBe(expiry)

    // Due: 1 goes; 2 expires moments later, yet the room next wakes an hour after this run.
    retentionClock.now = () => expiry + 1
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await seqsIn(a, b)).toEqual([2])
    const secondExpiry = (await sentAtOf(a, b, 2)) + 30 * DAY + 1
    expect(secondExpiry).toBeLessThan(expiry + 1 + 3_600_000)
    expect(await alarmOf(a, b)).toBe(expiry + 1 + 3_600_000)
    retentionClock.now = () => expiry + 1 + 3_600_000
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await seqsIn(a, b)).toEqual([])
    expect(await alarmOf(a, b)).toBeNull()
  })

  it('reaches a room idle since before the policy through the one-off walk, once per policy', async () => {
    // Created while retention is off: it settles with no alarm at all.
    const { a, b } = await pair()
    const wa = await openChat(a.cookie, b.id)
    await say(wa, 'from before the policy')
    await flushed(a, b, 1)
    closeAll(wa)
    await eventually(
      () => alarmOf(a, b),
      (at) => at === null,
    )

    // A policy no earlier test deployed (the first request of an isolate tells the walk its policy).
    setVars({ RETENTION_DAYS: '45' })
    const walk = retentionWalkOf(env)
    const started = await walk.ensure(45)
    expect(started.walking).toMatchObject({ days: 45, after: '' })
    // Its alarm may run on its own meanwhile: a nudge twice is harmless.
    const done = await eventually(
      async () => {
        await runDurableObjectAlarm(walk)
        return walk.status()
      },
      (status) => status.walking === null,
      20_000,
    )
    expect(done).toEqual({ walkedDays: 45, walking: null })
    expect(await alarmOf(a, b)).toBe((await sentAtOf(a, b, 1)) + 45 * DAY + 1)

    // The same policy again: no second walk. A new one walks again.
    expect(await walk.ensure(45)).toEqual({ walkedDays: 45, walking: null })
    expect((await walk.ensure(46)).walking).toMatchObject({ days: 46 })
    expect(WALK_PAGE).toBeGreaterThan(0)
  })

  it.each([
    ['as stored now', false],
    ['as stored before it kept purgedUpTo', true],
  ])(
    'keeps the notifications of the kept messages after a partial purge and a restart (floor %s)',
    async (_, legacy) => {
      setVars({ RETENTION_DAYS: '30' })
      const { a, b } = await pair()
      const { stub } = roomFor(env, a.id, b.id)
      const wa = await openChat(a.cookie, b.id)
      for (const text of ['one', 'two', 'three', 'four', 'five']) await say(wa, text)
      closeAll(wa)
      await eventually(
        () => notificationsOf(b.cookie),
        (n) => n.notifications.length === 5,
      )
      await flushed(a, b, 5)
      // 1–3 expired, 4–5 not.
      const sent = await sentAtOf(a, b, 1)
      await sentAgo(a, b, 3, 5, -10 * DAY)
      retentionClock.now = () => sent + 35 * DAY
      expect(await runDurableObjectAlarm(stub)).toBe(true)
      expect(await seqsIn(a, b)).toEqual([4, 5])
      await eventually(
        () => notificationsOf(b.cookie),
        (n) => n.notifications.length === 2,
      )

      if (legacy) {
        await inRoom(a, b, (sql) => {
          sql.exec("update meta set value = json_remove(value, '$.purgedUpTo') where key = 'retention_floor'")
        })
      }

      // After a restart the room tells both inboxes again (its alarm), and Ann writes once more:
      // what the snapshots say was destroyed is still 1–3.
      await restart(a, b)
      expect(await runDurableObjectAlarm(roomFor(env, a.id, b.id).stub)).toBe(true)
      const again = await openChat(a.cookie, b.id)
      await say(again, 'six')
      closeAll(again)
      const left = await eventually(
        () => notificationsOf(b.cookie),
        (n) => n.notifications.some((x) => x.seq === 6),
      )
      expect(left.notifications.map((n) => n.seq).sort((x, y) => x - y)).toEqual([4, 5, 6])
      expect(left.unreadTotal).toBe(3)
    },
  )

  it('runs every step of its alarm when one fails, and arms the alarm again to retry it', async () => {
    setVars({ RETENTION_DAYS: '30' })
    const { a, b } = await pair()
    const { roomId, stub } = roomFor(env, a.id, b.id)
    const wa = await openChat(a.cookie, b.id)
    await say(wa, 'one')
    await say(wa, 'two')
    closeAll(wa)
    await eventually(
      () => notificationsOf(b.cookie),
      (n) => n.notifications.length === 2,
    )
    await flushed(a, b, 2)
    // A file waiting to be destroyed whose delete R2 refuses (a key longer than R2 takes):
    // the upload sweep, the alarm's first step, fails on it, and so do the purge's file rounds.
    await inRoom(a, b, (sql) => {
      sql.exec(
        'insert into doomed_files (id, uploader_id, size, thumbnail) values (?, ?, 0, 0)',
        'x'.repeat(2_000),
        a.id,
      )
    })
    const sent = await sentAtOf(a, b, 2)
    retentionClock.now = () => sent + 31 * DAY
    const before = Date.now()
    await runDurableObjectAlarm(stub).catch(() => {})
    const after = Date.now()

    // The purge still ran, and both inboxes heard of it...
    expect(await seqsIn(a, b)).toEqual([])
    await eventually(
      () => notificationsOf(b.cookie),
      (n) => n.notifications.length === 0 && n.unreadTotal === 0,
    )
    // ...and the alarm is armed again, a minute on, for the file and the audit entry after it.
    const retry = await alarmOf(a, b)
    expect(retry).not.toBeNull()
    expect(retry!).toBeGreaterThanOrEqual(before + 60_000)
    expect(retry!).toBeLessThanOrEqual(after + 60_000)
    expect(await audits(roomId)).toEqual([])

    // Once the file is gone, the retry finishes: the audit entry, then no alarm at all.
    await inRoom(a, b, (sql) => {
      sql.exec('delete from doomed_files where length(id) > 1000')
    })
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect((await audits(roomId)).map((e) => e.changes.messages)).toEqual([2])
    expect(await alarmOf(a, b)).toBeNull()
  })

  it('arms the alarm again for files a purge left to destroy, though no message is left to expire', async () => {
    setVars({ RETENTION_DAYS: '30' })
    const { a, b } = await pair()
    const { stub } = roomFor(env, a.id, b.id)
    const wa = await openChat(a.cookie, b.id)
    await say(wa, 'one')
    closeAll(wa)
    await flushed(a, b, 1)
    // More files waiting than the alarm's upload sweep (one round) and the purge's rounds take.
    const waiting = (1 + MAX_DESTROY_ROUNDS) * DESTROY_PAGE + 1
    await inRoom(a, b, (sql) => {
      for (let i = 0; i < waiting; i++) {
        sql.exec(
          'insert into doomed_files (id, uploader_id, size, thumbnail) values (?, ?, 0, 0)',
          `left-${String(i).padStart(6, '0')}`,
          a.id,
        )
      }
    })
    const sent = await sentAtOf(a, b, 1)
    retentionClock.now = () => sent + 31 * DAY
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await seqsIn(a, b)).toEqual([])
    expect(await countIn(a, b, 'doomed_files')).toBe(1)
    expect(await alarmOf(a, b), 'the alarm for the file left').not.toBeNull()
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await countIn(a, b, 'doomed_files')).toBe(0)
    expect(await alarmOf(a, b)).toBeNull()
  })

  it('keeps the retry of an audit entry D1 refused when the last socket closes', async () => {
    setVars({ RETENTION_DAYS: '30' })
    const { a, b } = await pair()
    const { roomId, stub } = roomFor(env, a.id, b.id)
    const wa = await openChat(a.cookie, b.id)
    await say(wa, 'one')
    closeAll(wa)
    await flushed(a, b, 1)
    // D1 refuses this room's retention.purge entry until the trigger goes.
    await env.DB.prepare(
      `create trigger refuse_retention_audit before insert on audit_log
       when new.action = 'retention.purge' and new.target_id = '${roomId}'
       begin select raise(abort, 'D1 is unavailable'); end`,
    ).run()
    try {
      const sent = await sentAtOf(a, b, 1)
      retentionClock.now = () => sent + 31 * DAY
      expect(await runDurableObjectAlarm(stub)).toBe(true)
      expect(await seqsIn(a, b)).toEqual([])
      const retry = await alarmOf(a, b)
      expect(retry, 'the retry after the refused entry').not.toBeNull()

      // The conversation is opened and closed again: settling it (as the last socket's close
      // does) leaves the retry in place, though no message is left to expire.
      const again = await openChat(a.cookie, b.id)
      closeAll(again)
      await runInDurableObject(stub, (room: unknown) => (room as { settle(): Promise<void> }).settle())
      const kept = await alarmOf(a, b)
      expect(kept, 'the retry after settling').not.toBeNull()
      expect(kept!).toBeLessThanOrEqual(retry!)
      expect(await audits(roomId)).toEqual([])
    } finally {
      await env.DB.prepare('drop trigger if exists refuse_retention_audit').run()
    }
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect((await audits(roomId)).map((e) => e.changes.messages)).toEqual([1])
    expect(await alarmOf(a, b)).toBeNull()
  })
})

describe('with RETENTION_DAYS=0 (the default)', () => {
  it('keeps every message however old, and an idle room keeps no alarm', async () => {
    expect(env.RETENTION_DAYS).toBe('0')
    expect(retentionDaysOf(env)).toBe(0)
    const { a, b } = await pair()
    const { stub } = roomFor(env, a.id, b.id)
    const wa = await openChat(a.cookie, b.id)
    await say(wa, 'one')
    await say(wa, 'two')
    await flushed(a, b, 2)
    closeAll(wa)
    await sentAgo(a, b, 0, 2, 3650 * DAY)
    retentionClock.now = () => Date.now() + 3650 * DAY
    expect(await stub.nudgeRetention()).toBe(false)
    await runDurableObjectAlarm(stub)
    expect(await seqsIn(a, b)).toEqual([1, 2])
    expect(await alarmOf(a, b)).toBeNull()
    expect(await audits(roomFor(env, a.id, b.id).roomId)).toEqual([])
  })

  it('reads only whole positive days; anything else keeps forever', () => {
    expect(retentionDaysOf({ RETENTION_DAYS: '30' })).toBe(30)
    expect(retentionDaysOf({ RETENTION_DAYS: ' 7 ' })).toBe(7)
    for (const bad of ['', '0', '-1', '1.5', '30d', 'forever']) expect(retentionDaysOf({ RETENTION_DAYS: bad })).toBe(0)
    expect(retentionDaysOf({})).toBe(0)
  })
})

describe('GET /api/admin/activity', () => {
  const { setVars } = useVars()

  it('states the retention policy', async () => {
    const staff = await signUp({ firstName: 'Eve' })
    await env.DB.prepare('update users set is_staff = 1 where id = ?').bind(staff.id).run()
    const read = async () => {
      const res = await call('/api/admin/activity', { cookie: staff.cookie })
      expect(res.status).toBe(200)
      return ((await res.json()) as { retentionDays: number }).retentionDays
    }
    expect(await read()).toBe(0)
    setVars({ RETENTION_DAYS: '30' })
    expect(await read()).toBe(30)
  })
})
