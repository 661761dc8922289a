// Key rotation (CONTRACT.md: Administration, Encryption at rest; ADR 009): GET /api/admin/keys
// counts stored tokens per key, POST /api/admin/keys/reencrypt (superuser) seals every token
// made with an older key again with the primary, in the background, resuming after a restart.
// The tests run with FERNET_KEYS = "<primary>,<older>" (vitest.config.ts): data the instance
// stored before the rotation is made here by sealing it with the older key alone and writing
// it where the Worker would have (D1, the room's and the inbox's SQLite, R2).
import { env, runDurableObjectAlarm, runInDurableObject, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { KeysStatus } from '../../protocol/api.ts'
import { blobKey } from '../../worker/attachments/attachment-id.ts'
import { BLOB_KEY_METADATA } from '../../worker/attachments/blob-store.ts'
import { decrypt, decryptText, encrypt, encryptText, keyIndexOf, loadKeyring } from '../../worker/crypto/fernet.ts'
import { inboxOf } from '../../worker/inbox/inbox-key.ts'
import { keyFingerprints } from '../../worker/keys/fingerprints.ts'
import { keyRotationOf } from '../../worker/keys/key-rotation.ts'
import type { PassCursor } from '../../worker/keys/token-tally.ts'
import { roomFor } from '../../worker/rooms/room-key.ts'
import { passRoomPage } from '../../worker/rooms/room-reencrypt.ts'
import { isMessage } from './helpers/chat.ts'
import { call, ORIGIN, problemOf, type SignedUp, signUp } from './helpers/http.ts'
import { openChat } from './helpers/socket.ts'
import { eventually } from './helpers/wait.ts'

const [PRIMARY, OLDER] = env.FERNET_KEYS.split(',') as [string, string]
// `printf %s "$KEY" | sha256sum | cut -c1-8`, computed outside the Worker.
const PRIMARY_FP = 'd88a2cb5'
const OLDER_FP = 'ce3880b8'

const older = () => loadKeyring(OLDER)
const primaryAlone = () => loadKeyring(PRIMARY)
const ring = () => loadKeyring(env.FERNET_KEYS)

async function staffOf(superuser: boolean): Promise<SignedUp> {
  const u = await signUp({ firstName: superuser ? 'Sue' : 'Stan' })
  await env.DB.prepare('update users set is_staff = 1, is_superuser = ? where id = ?')
    .bind(superuser ? 1 : 0, u.id)
    .run()
  return u
}

async function keysOf(cookie: string): Promise<KeysStatus> {
  const res = await call('/api/admin/keys', { cookie })
  expect(res.status).toBe(200)
  return (await res.json()) as KeysStatus
}

const tokensOf = (s: KeysStatus, fp: string) => s.keys.find((k) => k.fingerprint === fp)?.tokens

async function upload(me: SignedUp, peerId: string, bytes: Uint8Array, name: string): Promise<string> {
  const form = new FormData()
  form.set('file', new File([bytes], name, { type: 'application/pdf' }))
  const res = await SELF.fetch(`${ORIGIN}/api/conversations/${peerId}/attachments`, {
    method: 'POST',
    headers: { cookie: me.cookie },
    body: form,
  })
  expect(res.status).toBe(201)
  return ((await res.json()) as { attachment: { id: string } }).attachment.id
}

/** The coordinator's job as stored (what a restart resumes from). */
function jobOf(): Promise<
  { kind: string; phase: string; cursor: string; done: number; total: number; active: unknown[] } | undefined
> {
  return runInDurableObject(keyRotationOf(env), (_: unknown, state: DurableObjectState) => state.storage.kv.get('job'))
}

/** Runs the coordinator's alarm (one step) until no job is left; returns how many steps ran. */
async function stepUntilDone(limit = 200): Promise<number> {
  let steps = 0
  while ((await jobOf()) && steps < limit) {
    await runDurableObjectAlarm(keyRotationOf(env))
    steps++
  }
  return steps
}

async function roomIdBetween(a: string, b: string): Promise<string> {
  const roomId = roomFor(env, a, b).roomId
  // The room lists itself in D1 with its first counters, about 2 s after its first message.
  const row = await eventually(
    () => env.DB.prepare('select id from rooms where id = ?').bind(roomId).first<{ id: string }>(),
    (r) => r !== null,
    10_000,
  )
  expect(row?.id).toBe(roomId)
  return roomId
}

describe('GET /api/admin/keys and POST /api/admin/keys/reencrypt: who may', () => {
  it('answers 401 without a session, 403 to members, lets staff read and only a superuser start', async () => {
    const [member, staff] = await Promise.all([signUp(), staffOf(false)])
    for (const [path, method] of [
      ['/api/admin/keys', 'GET'],
      ['/api/admin/keys/reencrypt', 'POST'],
    ] as const) {
      expect((await call(path, { method })).status).toBe(401)
      expect((await call(path, { method, cookie: member.cookie })).status).toBe(403)
    }
    const report = await keysOf(staff.cookie)
    expect(report.keys.map((k) => [k.fingerprint, k.primary])).toEqual([
      [PRIMARY_FP, true],
      [OLDER_FP, false],
    ])
    // Never the key itself.
    expect(JSON.stringify(report)).not.toContain(PRIMARY.slice(0, 12))
    expect(JSON.stringify(report)).not.toContain(OLDER.slice(0, 12))
    const refused = await call('/api/admin/keys/reencrypt', { method: 'POST', cookie: staff.cookie })
    expect(refused.status).toBe(403)
    expect((await problemOf(refused)).type).toMatch(/superuser-only/)
    expect((await jobOf())?.kind).not.toBe('reencrypt')
  })
})

describe('keyIndexOf', () => {
  it('names the key that made a token by its HMAC alone, and -1 for anything else', async () => {
    const keys = await ring()
    expect(await keyIndexOf(keys, await encryptText(await primaryAlone(), 'a'))).toBe(0)
    expect(await keyIndexOf(keys, await encryptText(await older(), 'b'))).toBe(1)
    const stranger = await loadKeyring('h0wK7lbq0sQ4yY1kF1JdTh7kW2c7oPFh3NQ9i1Fn6_Y=')
    expect(await keyIndexOf(keys, await encryptText(stranger, 'c'))).toBe(-1)
    expect(await keyIndexOf(keys, 'not a token')).toBe(-1)
    const token = await encryptText(keys, 'd')
    expect(await keyIndexOf(keys, `${token.slice(0, 40)}${token[40] === 'A' ? 'B' : 'A'}${token.slice(41)}`)).toBe(-1)
  })
})

describe('re-encryption with the primary key', () => {
  it('counts tokens under two keys, re-encrypts them all, resumes after a restart, and the primary alone opens everything', async () => {
    const [ann, bob, sue, staff] = await Promise.all([
      signUp({ firstName: 'Ann', lastName: 'Older' }),
      signUp({ firstName: 'Bob', lastName: 'Builder' }),
      staffOf(true),
      staffOf(false),
    ])
    // A conversation with a reply and a file; Bob's chat is closed, so his inbox keeps notifications.
    const wa = await openChat(ann.cookie, bob.id)
    const bytes = crypto.getRandomValues(new Uint8Array(3000))
    const fileId = await upload(ann, bob.id, bytes, 'plan été.pdf')
    const bodies = ['first, before the rotation', 'second', 'a reply']
    wa.send({ type: 'send', clientId: 'k1', body: bodies[0] })
    await wa.next(isMessage(1))
    wa.send({ type: 'send', clientId: 'k2', body: bodies[1], attachments: [fileId] })
    await wa.next(isMessage(2))
    wa.send({ type: 'send', clientId: 'k3', body: bodies[2], replyTo: 1 })
    await wa.next(isMessage(3))
    wa.close()
    const roomId = await roomIdBetween(ann.id, bob.id)
    const room = roomFor(env, ann.id, bob.id).stub
    const bobInbox = inboxOf(env, bob.id)
    await eventually(
      () =>
        runInDurableObject(bobInbox, (_: unknown, s: DurableObjectState) => {
          return s.storage.sql.exec<{ n: number }>('select count(*) as n from notifications').one().n
        }),
      (n) => n === 3,
    )

    // What an instance stored before the new key was put first: everything sealed with the older key.
    const old = await older()
    const reseal = async (token: string) => {
      if (token === '') return token
      const plain = await decrypt(await ring(), token)
      if (!plain) throw new Error('a stored token did not open')
      return encrypt(old, plain)
    }
    let planted = 0
    const annRow = await env.DB.prepare('select first_name, last_name from users where id = ?')
      .bind(ann.id)
      .first<{ first_name: string; last_name: string }>()
    await env.DB.prepare('update users set first_name = ?, last_name = ? where id = ?')
      .bind(await reseal(annRow!.first_name), await reseal(annRow!.last_name), ann.id)
      .run()
    planted += 2
    // An audit entry of a rename: its name tokens are stored data too.
    const auditId = crypto.randomUUID()
    await env.DB.prepare(
      "insert into audit_log (id, actor_id, action, target_type, target_id, changes, at) values (?, ?, 'user.update', 'user', ?, ?, ?)",
    )
      .bind(
        auditId,
        sue.id,
        ann.id,
        JSON.stringify({ firstName: { from: await encryptText(old, 'Anne'), to: await encryptText(old, 'Ann') } }),
        new Date().toISOString(),
      )
      .run()
    planted += 2
    planted += await runInDurableObject(room, async (_: unknown, s: DurableObjectState) => {
      let n = 0
      for (const r of s.storage.sql.exec<{ seq: number; body: string }>('select seq, body from messages').toArray()) {
        s.storage.sql.exec('update messages set body = ? where seq = ?', await reseal(r.body), r.seq)
        n++
      }
      for (const r of s.storage.sql.exec<{ id: string; name: string }>('select id, name from attachments').toArray()) {
        s.storage.sql.exec('update attachments set name = ? where id = ?', await reseal(r.name), r.id)
        n++
      }
      return n
    })
    // An R2 object from before objects named their key: no metadata.
    const stored = await env.ATTACHMENTS.get(blobKey(fileId))
    await env.ATTACHMENTS.put(blobKey(fileId), await reseal(await stored!.text()))
    planted += 1
    planted += await runInDurableObject(bobInbox, async (_: unknown, s: DurableObjectState) => {
      let n = 0
      for (const r of s.storage.sql
        .exec<{ id: number; token: string; attachments: string | null }>(
          'select id, token, attachments from notifications',
        )
        .toArray()) {
        const files = r.attachments ? (JSON.parse(r.attachments) as { name: string }[]) : null
        for (const f of files ?? []) f.name = await reseal(f.name)
        s.storage.sql.exec(
          'update notifications set token = ?, attachments = ? where id = ?',
          await reseal(r.token),
          files ? JSON.stringify(files) : null,
          r.id,
        )
        n += 1 + (files?.length ?? 0)
      }
      const c = s.storage.sql
        .exec<{ room_id: string; last_message: string }>('select room_id, last_message from conversations')
        .one()
      const m = JSON.parse(c.last_message) as { token: string; replyTo: { token: string } }
      m.token = await reseal(m.token)
      m.replyTo.token = await reseal(m.replyTo.token)
      s.storage.sql.exec('update conversations set last_message = ? where room_id = ?', JSON.stringify(m), c.room_id)
      return n + 2
    })
    // 2 names, 2 audit names, 3 bodies + 1 file name, the file, Bob's 3 notifications + 1 file name, 2 in his list.
    expect(planted).toBe(15)

    // The census: staff see how many tokens each key opens (taken now: FERNET_KEYS differs from any before).
    await runInDurableObject(keyRotationOf(env), (_: unknown, s: DurableObjectState) => s.storage.kv.delete('census'))
    const before = await keysOf(staff.cookie)
    expect(before.census.counting).toBe(false)
    expect(tokensOf(before, OLDER_FP)).toBe(planted)
    // Every other user's names (and Ann's peer's inbox list entries) are under the primary.
    expect(tokensOf(before, PRIMARY_FP)).toBeGreaterThanOrEqual(2 + 2)
    expect(before.census.unreadable).toBe(0)
    expect(before.reencryption.state).toBe('idle')

    // The superuser starts it: 202, audited once, even when asked again while it runs.
    const [started, atOnce] = await Promise.all([
      call('/api/admin/keys/reencrypt', { method: 'POST', cookie: sue.cookie }),
      call('/api/admin/keys/reencrypt', { method: 'POST', cookie: sue.cookie }),
    ])
    expect([started.status, atOnce.status]).toEqual([202, 202])
    expect(((await started.json()) as KeysStatus).reencryption.state).toBe('running')
    expect(((await atOnce.json()) as KeysStatus).reencryption.state).toBe('running')
    const again = await call('/api/admin/keys/reencrypt', { method: 'POST', cookie: sue.cookie })
    expect(again.status).toBe(202)
    const audits = async (action: string) =>
      (
        await env.DB.prepare('select actor_id, changes from audit_log where action = ?')
          .bind(action)
          .all<{ actor_id: string; changes: string }>()
      ).results
    expect(await audits('keys.reencrypt')).toEqual([
      { actor_id: sue.id, changes: JSON.stringify({ primary: PRIMARY_FP, keys: [PRIMARY_FP, OLDER_FP] }) },
    ])

    // Step it by hand up to the rooms, then kill the coordinator between two steps.
    let job = await jobOf()
    for (let i = 0; i < 50 && job && job.phase !== 'rooms'; i++) {
      await runDurableObjectAlarm(keyRotationOf(env))
      job = await jobOf()
    }
    expect(job?.phase).toBe('rooms')
    await runDurableObjectAlarm(keyRotationOf(env))
    const cut = await jobOf()
    expect(cut!.done).toBeGreaterThan(0)
    const running = await keysOf(staff.cookie)
    expect(running.reencryption).toMatchObject({ state: 'running', done: cut!.done, total: cut!.total })
    // D1 is done already: Ann's names are under the primary, meaning unchanged.
    const annNow = await env.DB.prepare('select first_name from users where id = ?')
      .bind(ann.id)
      .first<{ first_name: string }>()
    expect(await decryptText(await primaryAlone(), annNow!.first_name)).toBe('Ann')
    await expect(
      runInDurableObject(keyRotationOf(env), (_: unknown, s: DurableObjectState) => s.abort('restart midway')),
    ).rejects.toThrow()
    // A new instance finds the job where the old one left it, and carries on from there.
    const resumed = await jobOf()
    expect(resumed).toEqual(cut)
    await runDurableObjectAlarm(keyRotationOf(env))
    const next = await jobOf()
    expect(next === undefined || ['rooms', 'file-rooms', 'inboxes', 'finished'].includes(next.phase)).toBe(true)
    expect(next?.done ?? Number.POSITIVE_INFINITY).toBeGreaterThanOrEqual(cut!.done)
    await stepUntilDone()
    expect(await jobOf()).toBeUndefined()

    const after = await keysOf(staff.cookie)
    expect(after.reencryption.state).toBe('done')
    expect(after.reencryption.done).toBe(after.reencryption.total)
    expect(after.reencryption.finishedAt).toBeDefined()
    expect(tokensOf(after, OLDER_FP)).toBe(0)
    expect(tokensOf(after, PRIMARY_FP)).toBeGreaterThanOrEqual(tokensOf(before, PRIMARY_FP)! + planted)
    expect(after.census.unreadable).toBe(0)
    const done = await audits('keys.reencrypt-done')
    expect(done).toHaveLength(1)
    expect(done[0]!.actor_id).toBe(sue.id)
    expect(JSON.parse(done[0]!.changes)).toMatchObject({ rewritten: planted, unreadable: 0 })

    // The primary key alone opens every token, and each says what it said before.
    const alone = await primaryAlone()
    const ann2 = await env.DB.prepare('select first_name, last_name from users where id = ?')
      .bind(ann.id)
      .first<{ first_name: string; last_name: string }>()
    expect([await decryptText(alone, ann2!.first_name), await decryptText(alone, ann2!.last_name)]).toEqual([
      'Ann',
      'Older',
    ])
    const entry = await env.DB.prepare('select changes from audit_log where id = ?')
      .bind(auditId)
      .first<{ changes: string }>()
    const renamed = JSON.parse(entry!.changes) as { firstName: { from: string; to: string } }
    expect([await decryptText(alone, renamed.firstName.from), await decryptText(alone, renamed.firstName.to)]).toEqual([
      'Anne',
      'Ann',
    ])
    const inRoom = await runInDurableObject(room, (_: unknown, s: DurableObjectState) => ({
      bodies: s.storage.sql.exec<{ body: string }>('select body from messages order by seq').toArray(),
      names: s.storage.sql.exec<{ name: string }>('select name from attachments').toArray(),
    }))
    expect(await Promise.all(inRoom.bodies.map((r) => decryptText(alone, r.body)))).toEqual(bodies)
    expect(await Promise.all(inRoom.names.map((r) => decryptText(alone, r.name)))).toEqual(['plan été.pdf'])
    const blob = await env.ATTACHMENTS.get(blobKey(fileId))
    expect(blob!.customMetadata?.[BLOB_KEY_METADATA]).toBe(PRIMARY_FP)
    expect(await decrypt(alone, await blob!.text())).toEqual(bytes)
    const inInbox = await runInDurableObject(bobInbox, (_: unknown, s: DurableObjectState) => ({
      notifications: s.storage.sql
        .exec<{ token: string; attachments: string | null }>(
          'select token, attachments from notifications order by seq',
        )
        .toArray(),
      last: s.storage.sql.exec<{ last_message: string }>('select last_message from conversations').one().last_message,
    }))
    expect(await Promise.all(inInbox.notifications.map((n) => decryptText(alone, n.token)))).toEqual(bodies)
    const fileName = (JSON.parse(inInbox.notifications[1]!.attachments!) as { name: string }[])[0]!.name
    expect(await decryptText(alone, fileName)).toBe('plan été.pdf')
    const last = JSON.parse(inInbox.last) as { token: string; replyTo: { token: string } }
    expect([await decryptText(alone, last.token), await decryptText(alone, last.replyTo.token)]).toEqual([
      bodies[2],
      bodies[0],
    ])
    // And members read it all as before.
    const list = await call('/api/conversations', { cookie: bob.cookie })
    const entries = (
      (await list.json()) as { conversations: { peer: { firstName: string }; lastMessage: { body: string } }[] }
    ).conversations
    expect(entries[0]).toMatchObject({ peer: { firstName: 'Ann' }, lastMessage: { body: bodies[2] } })
    expect(roomId).toHaveLength(64)
  })

  it('re-encrypts a large room page by page, and an edit that lands meanwhile keeps its own text', async () => {
    const [cy, dee] = await Promise.all([signUp({ firstName: 'Cy' }), signUp({ firstName: 'Dee' })])
    const wc = await openChat(cy.cookie, dee.id)
    wc.send({ type: 'send', clientId: 'x1', body: 'hello' })
    await wc.next(isMessage(1))
    wc.close()
    const room = roomFor(env, cy.id, dee.id).stub
    // 1,200 messages stored before the rotation, all with the older key.
    const old = await older()
    await runInDurableObject(room, async (_: unknown, s: DurableObjectState) => {
      const tokens = await Promise.all(Array.from({ length: 1200 }, (_, i) => encryptText(old, `old ${i + 1}`)))
      s.storage.sql.exec('update messages set body = ? where seq = 1', tokens[0]!)
      tokens.slice(1).forEach((t, i) => {
        s.storage.sql.exec(
          'insert into messages (seq, client_id, sender_id, body, sent_at, notify, rev) values (?, ?, ?, ?, ?, 0, ?)',
          i + 2,
          `x${i + 2}`,
          cy.id,
          t,
          new Date().toISOString(),
          i + 2,
        )
      })
    })
    const page = (cursor: PassCursor | null) => room.reencryptPage(cursor, true)
    const first = await page(null)
    expect(first.tally.rewritten).toBe(500)
    expect(first.next).toEqual({ part: 'messages', after: 500 })
    // Seq 600 is edited after the next page read it and while it encrypts (the page reads its
    // rows before its first await): the page's write for it is refused, and the edit's text stays.
    const edited = await encryptText(await ring(), 'edited meanwhile')
    const second = await runInDurableObject(room, async (_: unknown, s: DurableObjectState) => {
      const keys = await ring()
      const fingerprints = await keyFingerprints(env.FERNET_KEYS)
      const under = passRoomPage({ env, sql: s.storage.sql, keys, fingerprints }, first.next, true)
      s.storage.sql.exec('update messages set body = ? where seq = 600', edited)
      return under
    })
    expect(second.tally.counts[0]).toBe(500)
    const third = await page(second.next)
    expect(third.tally.rewritten).toBe(200)
    expect(third.next).toEqual({ part: 'names', after: '' })
    const alone = await primaryAlone()
    const rows = await runInDurableObject(room, (_: unknown, s: DurableObjectState) =>
      s.storage.sql.exec<{ seq: number; body: string }>('select seq, body from messages order by seq').toArray(),
    )
    expect(rows).toHaveLength(1200)
    const texts = await Promise.all(rows.map((r) => decryptText(alone, r.body)))
    expect(texts[599]).toBe('edited meanwhile')
    expect(texts.filter((t, i) => i !== 599 && t === `old ${i + 1}`)).toHaveLength(1199)
  })
})
