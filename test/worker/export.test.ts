// Downloading one's data (CONTRACT.md: the export): the document's shape and headers, every
// conversation's messages as history shows them, paged and streamed, who may and how often.
import { env, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { conversationWith, type Pair, pairWith, say } from './helpers/chat.ts'
import { call, ORIGIN, problemOf, type SignedUp, signUp } from './helpers/http.ts'
import { useVars } from './helpers/limits.ts'
import { type Frame, openChat } from './helpers/socket.ts'

interface ExportDoc {
  exportedAt: string
  user: Frame
  sessions: Frame[]
  blocks: Frame[]
  conversations: { peer: Frame; messages: Frame[] }[]
}

const exportOf = (me: SignedUp) => call('/api/me/export', { cookie: me.cookie })

/** The export lists the conversations of the member's inbox, which hears of a new one from its room shortly after. */
async function listed(me: SignedUp, ...peers: SignedUp[]): Promise<void> {
  for (const peer of peers) await expect.poll(() => conversationWith(me.cookie, peer.id)).toBeDefined()
}

/** A pair whose conversation both inboxes list. */
async function listedPair(count: number): Promise<Pair> {
  const pair = await pairWith(count)
  await listed(pair.a, pair.b)
  await listed(pair.b, pair.a)
  return pair
}

/** The body read chunk by chunk, as a client reads a stream, then parsed. */
async function readExport(res: Response): Promise<{ doc: ExportDoc; chunks: number }> {
  expect(res.status).toBe(200)
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let chunks = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks++
    text += decoder.decode(value, { stream: true })
  }
  return { doc: JSON.parse(text) as ExportDoc, chunks }
}

async function historyAll(me: SignedUp, peerId: string): Promise<Frame[]> {
  const res = await call(`/api/conversations/${peerId}/messages?limit=100`, { cookie: me.cookie })
  expect(res.status).toBe(200)
  return ((await res.json()) as { messages: Frame[] }).messages
}

async function upload(me: SignedUp, peerId: string, name: string): Promise<Frame> {
  const form = new FormData()
  form.set('file', new File([new Uint8Array([1, 2, 3, 4, 5])], name, { type: 'application/octet-stream' }))
  const res = await SELF.fetch(`${ORIGIN}/api/conversations/${peerId}/attachments`, {
    method: 'POST',
    headers: { cookie: me.cookie },
    body: form,
  })
  expect(res.status).toBe(201)
  return ((await res.json()) as { attachment: Frame }).attachment
}

describe('GET /api/me/export', () => {
  const { setVars } = useVars()

  it('is a 401 without a session', async () => {
    const res = await call('/api/me/export')
    expect(res.status).toBe(401)
  })

  it('refuses a navigation from another site before counting it against the hour', async () => {
    setVars({ EXPORTS_PER_HOUR: '1' })
    const me = await signUp()
    const res = await call('/api/me/export', {
      cookie: me.cookie,
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
    })
    expect(res.status).toBe(403)
    await readExport(await exportOf(me))
  })

  it('is a JSON attachment named by the date, holding the user, their sessions and blocks', async () => {
    const { a, b, wa, wb } = await listedPair(1)
    expect((await call(`/api/me/blocks/${b.id}`, { method: 'PUT', cookie: a.cookie })).status).toBe(204)
    const res = await exportOf(a)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="parley-export-\d{4}-\d{2}-\d{2}\.json"$/,
    )
    expect(res.headers.get('cache-control')).toBe('no-store')
    const { doc } = await readExport(res)
    expect(Object.keys(doc)).toEqual(['exportedAt', 'user', 'sessions', 'blocks', 'conversations'])
    expect(Math.abs(Date.parse(doc.exportedAt) - Date.now())).toBeLessThan(60_000)
    expect(res.headers.get('content-disposition')).toContain(doc.exportedAt.slice(0, 10))
    const me = (await (await call('/api/me', { cookie: a.cookie })).json()) as { user: Frame }
    expect(doc.user).toEqual(me.user)
    const sessions = (await (await call('/api/me/sessions', { cookie: a.cookie })).json()) as { sessions: Frame[] }
    expect(doc.sessions).toEqual(sessions.sessions)
    expect(doc.sessions.filter((s) => s.current)).toHaveLength(1)
    expect(doc.blocks).toEqual([{ id: b.id, email: b.email, firstName: 'Bob', lastName: '' }])
    expect(doc.conversations.map((c) => c.peer.id)).toEqual([b.id])
    wa.close()
    wb.close()
  })

  it('writes an account.export audit entry with the user as actor and target', async () => {
    const me = await signUp()
    await readExport(await exportOf(me))
    const row = await env.DB.prepare(
      "select actor_id, target_type, target_id from audit_log where action = 'account.export' and actor_id = ?",
    )
      .bind(me.id)
      .first()
    expect(row).toEqual({ actor_id: me.id, target_type: 'user', target_id: me.id })
  })

  it('lists every conversation, each with its plaintext messages in ascending seq', async () => {
    const [a, b, c] = await Promise.all([
      signUp({ firstName: 'Ann' }),
      signUp({ firstName: 'Bob' }),
      signUp({ firstName: 'Cy' }),
    ])
    const toB = await openChat(a.cookie, b.id)
    const toC = await openChat(a.cookie, c.id)
    for (const body of ['one', 'two', 'three']) await say(toB, body)
    await say(toC, 'hello Cy')
    await listed(a, b, c)
    await listed(b, a)
    const { doc } = await readExport(await exportOf(a))
    const byPeer = new Map(doc.conversations.map((x) => [x.peer.id, x]))
    expect([...byPeer.keys()].sort()).toEqual([b.id, c.id].sort())
    expect(byPeer.get(b.id)!.peer).toEqual({ id: b.id, email: b.email, firstName: 'Bob', lastName: '' })
    expect(byPeer.get(b.id)!.messages.map((m) => [m.seq, m.body, m.senderId])).toEqual([
      [1, 'one', a.id],
      [2, 'two', a.id],
      [3, 'three', a.id],
    ])
    expect(byPeer.get(c.id)!.messages.map((m) => m.body)).toEqual(['hello Cy'])
    // The peer's export holds the same conversation.
    const theirs = await readExport(await exportOf(b))
    expect(theirs.doc.conversations.map((x) => x.peer.id)).toEqual([a.id])
    expect(theirs.doc.conversations[0]!.messages).toEqual(byPeer.get(b.id)!.messages)
    toB.close()
    toC.close()
  })

  it('gives edits, deletions, reactions, replies and attachments exactly as history does', async () => {
    const { a, b, wa, wb } = await listedPair(3)
    const file = await upload(a, b.id, 'notes.txt')
    wa.send({ type: 'edit', seq: 1, body: 'message 1, edited' })
    await wa.next((f) => f.type === 'update' && f.message.seq === 1)
    wa.send({ type: 'delete', seq: 2 })
    await wa.next((f) => f.type === 'update' && f.message.seq === 2)
    wb.send({ type: 'react', seq: 3, emoji: '👍', on: true })
    await wb.next((f) => f.type === 'update' && f.message.seq === 3)
    await say(wb, 'a reply', { replyTo: 3 })
    await say(wa, '', { attachments: [file.id] })
    const history = await historyAll(a, b.id)
    const { doc } = await readExport(await exportOf(a))
    const messages = doc.conversations[0]!.messages
    expect(messages).toEqual(history)
    expect(messages[0]).toMatchObject({ body: 'message 1, edited', editedAt: expect.any(String) })
    expect(messages[1]).toMatchObject({ body: '', deletedAt: expect.any(String) })
    expect(messages[2]!.reactions).toEqual({ '👍': [b.id] })
    expect(messages[3]!.replyTo).toEqual({ seq: 3, senderId: a.id, preview: 'message 3' })
    expect(messages[4]!.attachments).toEqual([file])
    wa.close()
    wb.close()
  })

  it('leaves readAt out while either member has read receipts off, as history does', async () => {
    const { a, b, wa, wb } = await listedPair(2)
    wb.send({ type: 'read', upTo: 2 })
    await wa.next((f) => f.type === 'read' && f.upTo === 2)
    const before = await readExport(await exportOf(a))
    expect(before.doc.conversations[0]!.messages.every((m) => typeof m.readAt === 'string')).toBe(true)
    const off = await call('/api/me', { method: 'PATCH', cookie: b.cookie, body: { readReceipts: false } })
    expect(off.status).toBe(200)
    const after = await readExport(await exportOf(a))
    expect(after.doc.conversations[0]!.messages.map((m) => m.readAt)).toEqual([undefined, undefined])
    expect(after.doc.conversations[0]!.messages).toEqual(await historyAll(a, b.id))
    wa.close()
    wb.close()
  })

  it('pages a long conversation: every message once, in order, in one chunk per page', async () => {
    setVars({ EXPORT_PAGE_MESSAGES: '3' })
    const { a, wa, wb } = await listedPair(10)
    const { doc, chunks } = await readExport(await exportOf(a))
    expect(doc.conversations[0]!.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(doc.conversations[0]!.messages.map((m) => m.body)).toEqual(
      Array.from({ length: 10 }, (_, i) => `message ${i + 1}`),
    )
    // The head, then four pages (3 + 3 + 3 + 1).
    expect(chunks).toBe(5)
    wa.close()
    wb.close()
  })

  it('streams: a page is read from the room only when the one before it has been taken', async () => {
    setVars({ EXPORT_PAGE_MESSAGES: '1' })
    const { a, wa, wb } = await listedPair(8)
    const res = await exportOf(a)
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let text = decoder.decode((await reader.read()).value!, { stream: true })
    // Sent after the first chunk arrived: a document built up front could not hold it.
    await say(wa, 'sent while the export was read')
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
    const doc = JSON.parse(text) as ExportDoc
    expect(doc.conversations[0]!.messages.map((m) => m.body).at(-1)).toBe('sent while the export was read')
    expect(doc.conversations[0]!.messages).toHaveLength(9)
    wa.close()
    wb.close()
  })

  it('runs one export per user at a time: a second is a 429 until the first ends', async () => {
    setVars({ EXPORT_PAGE_MESSAGES: '1', EXPORTS_PER_HOUR: '10' })
    const { a, wa, wb } = await listedPair(6)
    const first = await exportOf(a)
    const reader = first.body!.getReader()
    await reader.read()
    const second = await exportOf(a)
    expect(second.status).toBe(429)
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await problemOf(second)).detail).toMatch(/already being prepared/)
    while (!(await reader.read()).done) {
      // read to the end
    }
    // The lease is handed back once the stream has ended (after the response, so poll).
    await expect
      .poll(async () => {
        const res = await exportOf(a)
        await res.body?.cancel()
        return res.status
      })
      .toBe(200)
    wa.close()
    wb.close()
  })

  it('frees the user for another export when a download is abandoned midway', async () => {
    setVars({ EXPORT_PAGE_MESSAGES: '1', EXPORTS_PER_HOUR: '10' })
    const { a, wa, wb } = await listedPair(6)
    const first = await exportOf(a)
    const reader = first.body!.getReader()
    await reader.read()
    await reader.cancel()
    await expect
      .poll(async () => {
        const res = await exportOf(a)
        await res.body?.cancel()
        return res.status
      })
      .toBe(200)
    wa.close()
    wb.close()
  })

  it('allows a few exports an hour, then a 429 with Retry-After that loses nothing', async () => {
    setVars({ EXPORTS_PER_HOUR: '2' })
    const me = await signUp()
    for (let i = 0; i < 2; i++) await readExport(await exportOf(me))
    const refused = await exportOf(me)
    expect(refused.status).toBe(429)
    const retryAfter = Number(refused.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(3600)
    expect((await problemOf(refused)).detail).toMatch(/2 times an hour/)
    // Another member's exports are their own.
    const other = await signUp()
    await readExport(await exportOf(other))
  })

  it("shows a peer whose account was deleted as a deleted Peer, the conversation's messages kept", async () => {
    setVars({ EXPORTS_PER_HOUR: '100' })
    const { a, b, wa, wb } = await listedPair(2)
    await say(wb, 'from Bob')
    wb.close()
    const gone = await call('/api/me', { method: 'DELETE', cookie: b.cookie, body: { password: b.password } })
    expect(gone.status).toBe(204)
    await expect
      .poll(async () => (await readExport(await exportOf(a))).doc.conversations.map((c) => c.peer))
      .toEqual([{ id: b.id, email: '', firstName: '', lastName: '', deleted: true }])
    const { doc } = await readExport(await exportOf(a))
    expect(doc.conversations[0]!.messages.map((m) => m.body)).toEqual(['message 1', 'message 2', ''])
    expect(doc.conversations[0]!.messages[2]!.deletedAt).toEqual(expect.any(String))
    wa.close()
  })

  it('exports an account with no conversations as an empty list', async () => {
    const me = await signUp()
    const { doc } = await readExport(await exportOf(me))
    expect(doc.conversations).toEqual([])
    expect(doc.blocks).toEqual([])
  })
})
