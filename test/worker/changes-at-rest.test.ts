// What is left on disk after people edit and delete (CONTRACT.md: Encryption at rest, the
// `delete` frame): every cell of the room's SQLite, both inboxes' SQLite and D1 is read;
// no cell holds a body in plaintext, and no Fernet token anywhere still opens to the text
// before the edit or to the deleted message. (worker/crypto/fernet.ts, used here to open
// the tokens, is checked against pyca/cryptography in test/node/fernet-interop.test.ts.)
import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { decryptText } from '../../worker/crypto/fernet.ts'
import { keyringOf } from '../../worker/crypto/keys.ts'
import { inboxOf } from '../../worker/inbox/inbox-key.ts'
import { roomFor } from '../../worker/rooms/room-key.ts'
import {
  closeAll,
  inboxRev,
  isMessage,
  isUpdate,
  notificationsOf,
  roomLastRev,
  say,
  textCells,
} from './helpers/chat.ts'
import { signUp } from './helpers/http.ts'
import { openChat, openSocket } from './helpers/socket.ts'
import { eventually } from './helpers/wait.ts'

const ORIGINAL = 'alpha-before-the-edit-7f3e'
const MIDDLE = 'alpha-first-edit-a81c'
const EDITED = 'alpha-after-the-edit-2d4a'
const DOOMED = 'bravo-deleted-later-9c1b'
const REPLY = 'charlie-a-reply-5e60'

/** Fernet tokens (version 0x80, url-safe base64) anywhere inside a text, JSON included. */
const TOKEN = /gAAAAA[A-Za-z0-9_-]{20,}={0,2}/g

interface Cell {
  where: string
  value: string
}

async function d1Cells(): Promise<Cell[]> {
  const tables = await env.DB.prepare(
    "select name from sqlite_master where type = 'table' and name not like '\\_cf\\_%' escape '\\' and name != 'sqlite_sequence'",
  ).all<{ name: string }>()
  const cells: Cell[] = []
  for (const { name } of tables.results) {
    const rows = await env.DB.prepare(`select * from "${name}"`).all<Record<string, unknown>>()
    for (const row of rows.results) {
      for (const [column, value] of Object.entries(row)) {
        if (typeof value === 'string') cells.push({ where: `D1 ${name}.${column}`, value })
      }
    }
  }
  return cells
}

/** Every text cell of the room, both members' inboxes and D1. */
async function everyCell(a: string, b: string): Promise<Cell[]> {
  return [
    ...(await textCells(roomFor(env, a, b).stub)).map((c) => ({
      where: `room ${c.table}.${c.column}`,
      value: c.value,
    })),
    ...(await textCells(inboxOf(env, a))).map((c) => ({ where: `Ann's inbox ${c.table}.${c.column}`, value: c.value })),
    ...(await textCells(inboxOf(env, b))).map((c) => ({ where: `Bob's inbox ${c.table}.${c.column}`, value: c.value })),
    ...(await d1Cells()),
  ]
}

/** Where each token of these cells opens to a text containing `text`. */
async function tokensOpeningTo(cells: Cell[]): Promise<(text: string) => string[]> {
  const keys = await keyringOf(env)
  const opened: { where: string; text: string | null }[] = []
  for (const c of cells) {
    for (const token of c.value.match(TOKEN) ?? [])
      opened.push({ where: c.where, text: await decryptText(keys, token) })
  }
  return (text) => opened.filter((o) => o.text?.includes(text)).map((o) => o.where)
}

/** Both inboxes have applied every change of the room. */
async function inboxesCaughtUp(a: string, b: string): Promise<void> {
  const { roomId } = roomFor(env, a, b)
  const lastRev = await roomLastRev(a, b)
  for (const user of [a, b]) {
    expect(
      await eventually(
        () => inboxRev(user, roomId),
        (rev) => rev >= lastRev,
      ),
    ).toBeGreaterThanOrEqual(lastRev)
  }
}

describe('after two edits and a delete', () => {
  it('leaves no earlier version and no deleted text, in plaintext or in a token, in the room, either inbox or D1', async () => {
    const [a, b] = await Promise.all([signUp({ firstName: 'Ann' }), signUp({ firstName: 'Bob' })])
    const { stub } = roomFor(env, a.id, b.id)
    const wa = await openChat(a.cookie, b.id)
    // Bob's tab is hidden: every message of Ann's raises a notification in his inbox.
    const wb = await openSocket(`/api/conversations/${a.id}/ws?viewing=false`, b.cookie)
    await wb.nextOfType('ready')
    await say(wa, ORIGINAL)
    await say(wa, DOOMED)
    // Bob quotes and reacts to the message Ann will delete: Ann's chat list holds the quote.
    wb.send({ type: 'send', clientId: 'reply', body: REPLY, replyTo: 2 })
    await wa.next(isMessage(3))
    wb.send({ type: 'react', seq: 2, emoji: '🫣', on: true })
    await wa.next(isUpdate(2))
    await eventually(
      () => notificationsOf(b.cookie),
      (p) => p.notifications.length === 2,
    )

    wa.send({ type: 'edit', seq: 1, body: MIDDLE })
    await wa.next(isUpdate(1))
    await eventually(
      () => notificationsOf(b.cookie),
      (p) => p.notifications.some((n) => n.preview === MIDDLE),
    )
    wa.send({ type: 'edit', seq: 1, body: EDITED })
    await wa.next(isUpdate(1))
    wa.send({ type: 'delete', seq: 2 })
    await wa.next(isUpdate(2))
    await inboxesCaughtUp(a.id, b.id)
    const page = await notificationsOf(b.cookie)
    expect(page.notifications.map((n) => [n.seq, n.preview])).toEqual([[1, EDITED]])

    const cells = await everyCell(a.id, b.id)
    // The room, both inboxes (conversation and notification) and D1 were all read.
    expect(new Set(cells.map((c) => c.where.split(' ')[0]))).toEqual(new Set(['room', "Ann's", "Bob's", 'D1']))

    // No body in plaintext, old or current.
    for (const text of [ORIGINAL, MIDDLE, EDITED, DOOMED, REPLY]) {
      expect(cells.filter((c) => c.value.includes(text)).map((c) => c.where)).toEqual([])
    }

    // Every token anywhere, opened with the deployment's keys.
    const holding = await tokensOpeningTo(cells)
    expect(holding(ORIGINAL)).toEqual([])
    expect(holding(MIDDLE)).toEqual([])
    expect(holding(DOOMED)).toEqual([])
    // The scan finds what should be there: the edited body in the room, in Bob's notification
    // and the reply in the room and both lists.
    expect(holding(EDITED)).toEqual(expect.arrayContaining(['room messages.body', "Bob's inbox notifications.token"]))
    expect(holding(REPLY)).toEqual(
      expect.arrayContaining([
        'room messages.body',
        "Ann's inbox conversations.last_message",
        "Bob's inbox conversations.last_message",
      ]),
    )

    // The deleted message's row keeps its place but no body, quote or reaction.
    const deleted = await runInDurableObject(stub, (_: unknown, state: DurableObjectState) => ({
      row: state.storage.sql.exec('select body, reply_to, edited_at from messages where seq = 2').one(),
      reactions: state.storage.sql.exec<{ n: number }>('select count(*) as n from reactions where seq = 2').one().n,
    }))
    expect(deleted).toEqual({ row: { body: '', reply_to: null, edited_at: null }, reactions: 0 })
    closeAll(wa, wb)
  })
})

describe('after the last message is edited, then deleted', () => {
  it('leaves neither version in either chat list or in the notification', async () => {
    const [a, b] = await Promise.all([signUp({ firstName: 'Ann' }), signUp({ firstName: 'Bob' })])
    const wa = await openChat(a.cookie, b.id)
    await say(wa, ORIGINAL)
    await eventually(
      () => notificationsOf(b.cookie),
      (p) => p.notifications.length === 1,
    )
    wa.send({ type: 'edit', seq: 1, body: EDITED })
    await wa.next(isUpdate(1))
    await inboxesCaughtUp(a.id, b.id)
    let cells = await everyCell(a.id, b.id)
    let holding = await tokensOpeningTo(cells)
    expect(holding(ORIGINAL)).toEqual([])
    expect(holding(EDITED)).toEqual(
      expect.arrayContaining([
        "Ann's inbox conversations.last_message",
        "Bob's inbox conversations.last_message",
        "Bob's inbox notifications.token",
      ]),
    )

    wa.send({ type: 'delete', seq: 1 })
    await wa.next(isUpdate(1))
    await inboxesCaughtUp(a.id, b.id)
    await eventually(
      () => notificationsOf(b.cookie),
      (p) => p.notifications.length === 0,
    )
    cells = await everyCell(a.id, b.id)
    holding = await tokensOpeningTo(cells)
    for (const text of [ORIGINAL, EDITED]) {
      expect(cells.filter((c) => c.value.includes(text)).map((c) => c.where)).toEqual([])
      expect(holding(text)).toEqual([])
    }
    wa.close()
  })
})
