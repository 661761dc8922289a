// Photos and files (CONTRACT.md: Attachments): upload, send, download by members only,
// deletion destroying the bytes, limits, and what R2 holds (Fernet tokens only).
import { env, runDurableObjectAlarm, runInDurableObject, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { blobKey } from '../../worker/attachments/attachment-id.ts'
import { UNSENT_UPLOAD_TTL_MS } from '../../worker/attachments/attachment-limits.ts'
import { decrypt } from '../../worker/crypto/fernet.ts'
import { keyringOf } from '../../worker/crypto/keys.ts'
import { inboxOf } from '../../worker/inbox/inbox-key.ts'
import type { ChatRoom } from '../../worker/rooms/chat-room.ts'
import { roomFor } from '../../worker/rooms/room-key.ts'
import { ORIGIN, problemOf, type SignedUp, signUp } from './helpers/http.ts'
import { useVars } from './helpers/limits.ts'
import { type Frame, openChat } from './helpers/socket.ts'

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8])

async function upload(
  me: SignedUp,
  peerId: string,
  file: { bytes: Uint8Array; name: string; type: string },
  extra: Record<string, string | Blob> = {},
): Promise<Response> {
  const form = new FormData()
  form.set('file', new File([file.bytes], file.name, { type: file.type }))
  for (const [k, v] of Object.entries(extra)) form.set(k, v)
  return SELF.fetch(`${ORIGIN}/api/conversations/${peerId}/attachments`, {
    method: 'POST',
    headers: { cookie: me.cookie },
    body: form,
  })
}

const download = (me: SignedUp, id: string, path = '') =>
  SELF.fetch(`${ORIGIN}/api/attachments/${id}${path}`, { headers: { cookie: me.cookie } })

const isMessage = (seq: number) => (f: Frame) => f.type === 'message' && f.message.seq === seq

describe('attachments', () => {
  const { setVars } = useVars()

  it('lets the peer download a photo sent with a message, served inline with the contract headers', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const res = await upload(
      a,
      b.id,
      { bytes: PNG, name: 'holiday photo.png', type: 'image/png' },
      { width: '640', height: '480' },
    )
    expect(res.status).toBe(201)
    const { attachment } = (await res.json()) as { attachment: Record<string, unknown> & { id: string } }
    expect(attachment).toMatchObject({
      name: 'holiday photo.png',
      type: 'image/png',
      size: PNG.length,
      width: 640,
      height: 480,
    })
    const wa = await openChat(a.cookie, b.id)
    const wb = await openChat(b.cookie, a.id)
    wa.send({ type: 'send', clientId: 'p1', body: '', attachments: [attachment.id] })
    const got = await wb.next(isMessage(1))
    expect(got.message.attachments).toEqual([attachment])
    const file = await download(b, attachment.id)
    expect(file.status).toBe(200)
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(PNG)
    expect(file.headers.get('content-type')).toBe('image/png')
    expect(file.headers.get('content-security-policy')).toBe('sandbox')
    expect(file.headers.get('x-content-type-options')).toBe('nosniff')
    expect(file.headers.get('cache-control')).toMatch(/^private/)
    wa.close()
    wb.close()
  })

  it('serves any other type as an octet-stream download named in content-disposition', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const bytes = new TextEncoder().encode('<html><script>alert(1)</script>')
    const res = await upload(a, b.id, { bytes, name: 'Rapport été.html', type: 'text/html' })
    const { attachment } = (await res.json()) as { attachment: { id: string } }
    const wa = await openChat(a.cookie, b.id)
    wa.send({ type: 'send', clientId: 'f1', body: 'see attached', attachments: [attachment.id] })
    await wa.next(isMessage(1))
    const file = await download(b, attachment.id)
    expect(file.headers.get('content-type')).toBe('application/octet-stream')
    expect(file.headers.get('content-disposition')).toBe(
      `attachment; filename*=UTF-8''${encodeURIComponent('Rapport été.html')}`,
    )
    await file.body?.cancel()
    wa.close()
  })

  it('answers 404 to anyone outside the conversation, and to the peer before it is sent', async () => {
    const [a, b, c] = await Promise.all([signUp(), signUp(), signUp()])
    const { attachment } = (await (await upload(a, b.id, { bytes: PNG, name: 'x.png', type: 'image/png' })).json()) as {
      attachment: { id: string }
    }
    expect((await download(a, attachment.id)).status).toBe(200)
    for (const who of [b, c]) {
      const res = await download(who, attachment.id)
      expect(res.status).toBe(404)
      expect((await problemOf(res)).type).toBe('/problems/attachment-not-found')
    }
    expect((await download(c, `${'0'.repeat(96)}`)).status).toBe(404)
  })

  it('stores only a Fernet token of the bytes in R2', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const { attachment } = (await (await upload(a, b.id, { bytes: PNG, name: 'x.png', type: 'image/png' })).json()) as {
      attachment: { id: string }
    }
    const object = await env.ATTACHMENTS.get(blobKey(attachment.id))
    const token = await object!.text()
    expect(token).toMatch(/^gAAAAA[A-Za-z0-9_-]+=*$/)
    expect(await decrypt(await keyringOf(env), token)).toEqual(PNG)
  })

  it('destroys the file when its message is deleted', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const { attachment } = (await (await upload(a, b.id, { bytes: PNG, name: 'x.png', type: 'image/png' })).json()) as {
      attachment: { id: string }
    }
    const wa = await openChat(a.cookie, b.id)
    wa.send({ type: 'send', clientId: 'p1', body: 'photo', attachments: [attachment.id] })
    await wa.next(isMessage(1))
    expect(await inboxOf(env, a.id).storageUsed()).toBe(PNG.length)
    wa.send({ type: 'delete', seq: 1 })
    const update = await wa.next((f) => f.type === 'update')
    expect(update.message.attachments).toBeUndefined()
    await expect.poll(async () => (await download(b, attachment.id)).status).toBe(404)
    await expect.poll(async () => env.ATTACHMENTS.get(blobKey(attachment.id))).toBeNull()
    await expect.poll(() => inboxOf(env, a.id).storageUsed()).toBe(0)
    wa.close()
  })

  it("refuses a send with someone else's or an already sent upload with bad-attachment", async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const { attachment } = (await (await upload(a, b.id, { bytes: PNG, name: 'x.png', type: 'image/png' })).json()) as {
      attachment: { id: string }
    }
    const wb = await openChat(b.cookie, a.id)
    wb.send({ type: 'send', clientId: 'steal', body: '', attachments: [attachment.id] })
    expect(await wb.next((f) => f.type === 'error')).toMatchObject({ code: 'bad-attachment', clientId: 'steal' })
    const wa = await openChat(a.cookie, b.id)
    wa.send({ type: 'send', clientId: 'one', body: '', attachments: [attachment.id] })
    await wa.next(isMessage(1))
    wa.send({ type: 'send', clientId: 'two', body: '', attachments: [attachment.id] })
    expect(await wa.next((f) => f.type === 'error')).toMatchObject({ code: 'bad-attachment', clientId: 'two' })
    wa.close()
    wb.close()
  })

  it('refuses a file over the limit with 413, an empty one and one without a name with 400', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    setVars({ ATTACHMENT_MAX_BYTES: '1000' })
    const big = await upload(a, b.id, { bytes: new Uint8Array(1001), name: 'big.bin', type: 'application/pdf' })
    expect(big.status).toBe(413)
    expect((await problemOf(big)).detail).toMatch(/1000 bytes|KiB/)
    const empty = await upload(a, b.id, { bytes: new Uint8Array(0), name: 'empty.txt', type: 'text/plain' })
    expect(empty.status).toBe(400)
    const nameless = await upload(a, b.id, { bytes: PNG, name: '', type: 'image/png' })
    expect(nameless.status).toBe(400)
    expect(await inboxOf(env, a.id).storageUsed()).toBe(0)
  })

  it("refuses an upload past the user's quota with 409 storage-full", async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    setVars({ ATTACHMENT_QUOTA_BYTES: String(PNG.length * 2) })
    for (let i = 0; i < 2; i++)
      expect((await upload(a, b.id, { bytes: PNG, name: `${i}.png`, type: 'image/png' })).status).toBe(201)
    const full = await upload(a, b.id, { bytes: PNG, name: '3.png', type: 'image/png' })
    expect(full.status).toBe(409)
    expect((await problemOf(full)).type).toBe('/problems/storage-full')
  })
})

describe('uploads never sent', () => {
  it('are removed by the room alarm after 24 hours, bytes and quota too', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const res = await upload(a, b.id, { bytes: PNG, name: 'forgotten.png', type: 'image/png' })
    const { attachment } = (await res.json()) as { attachment: { id: string } }
    const kept = (await (await upload(a, b.id, { bytes: PNG, name: 'fresh.png', type: 'image/png' })).json()) as {
      attachment: { id: string }
    }
    const { stub } = roomFor(env, a.id, b.id)
    // The first upload was made a day and a minute ago.
    await runInDurableObject(stub, (room: ChatRoom) => {
      const internals = room as unknown as { sql: SqlStorage; files: { sweepAt: number | null } }
      const old = new Date(Date.now() - UNSENT_UPLOAD_TTL_MS - 60_000).toISOString()
      internals.sql.exec('update attachments set created_at = ? where id = ?', old, attachment.id)
      internals.files.sweepAt = Date.now() - 1
    })
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect((await download(a, attachment.id)).status).toBe(404)
    expect(await env.ATTACHMENTS.get(blobKey(attachment.id))).toBeNull()
    expect(await inboxOf(env, a.id).storageUsed()).toBe(PNG.length)
    const fresh = await download(a, kept.attachment.id)
    expect(fresh.status).toBe(200)
    await fresh.body?.cancel()
  })
})

describe('a message with several files', () => {
  it('keeps the order its send listed them in, and a reply quotes it as photos', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const ids: string[] = []
    for (const name of ['one.png', 'two.png', 'three.png']) {
      const { attachment } = (await (await upload(a, b.id, { bytes: PNG, name, type: 'image/png' })).json()) as {
        attachment: { id: string }
      }
      ids.push(attachment.id)
    }
    const order = [ids[2]!, ids[0]!, ids[1]!]
    const wa = await openChat(a.cookie, b.id)
    wa.send({ type: 'send', clientId: 'g', body: '', attachments: order })
    const sent = await wa.next(isMessage(1))
    expect(sent.message.attachments.map((f: { id: string }) => f.id)).toEqual(order)
    wa.send({ type: 'send', clientId: 'r', body: 'nice', replyTo: 1 })
    const reply = await wa.next(isMessage(2))
    expect(reply.message.replyTo).toEqual({ seq: 1, senderId: a.id, preview: '📷 3 photos' })
    wa.close()
  })
})

describe('taking back an upload', () => {
  it('lets the uploader remove a file not sent yet, giving the space back; nobody else, and not once sent', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const first = (await (await upload(a, b.id, { bytes: PNG, name: 'a.png', type: 'image/png' })).json()) as {
      attachment: { id: string }
    }
    const second = (await (await upload(a, b.id, { bytes: PNG, name: 'b.png', type: 'image/png' })).json()) as {
      attachment: { id: string }
    }
    const remove = (who: SignedUp, id: string) =>
      SELF.fetch(`${ORIGIN}/api/attachments/${id}`, { method: 'DELETE', headers: { cookie: who.cookie } })
    expect((await remove(b, first.attachment.id)).status).toBe(404)
    expect((await remove(a, first.attachment.id)).status).toBe(204)
    expect((await download(a, first.attachment.id)).status).toBe(404)
    await expect.poll(() => inboxOf(env, a.id).storageUsed()).toBe(PNG.length)
    const wa = await openChat(a.cookie, b.id)
    wa.send({ type: 'send', clientId: 's', body: '', attachments: [second.attachment.id] })
    await wa.next(isMessage(1))
    expect((await remove(a, second.attachment.id)).status).toBe(404)
    wa.close()
  })
})

describe('every type a download is served as', () => {
  it.each([
    ['image/png', 'image/png', false],
    ['image/jpeg', 'image/jpeg', false],
    ['image/gif', 'image/gif', false],
    ['image/webp', 'image/webp', false],
    ['image/svg+xml', 'application/octet-stream', true],
    ['application/pdf', 'application/octet-stream', true],
    ['text/plain', 'application/octet-stream', true],
    ['', 'application/octet-stream', true],
  ])('stores %j and serves it as %s (a download: %s), bytes intact', async (type, served, attachment) => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const bytes = crypto.getRandomValues(new Uint8Array(3000))
    const res = await upload(a, b.id, { bytes, name: 'sample', type })
    expect(res.status).toBe(201)
    const { attachment: stored } = (await res.json()) as { attachment: { id: string; type: string } }
    expect(stored.type).toBe(type === '' ? 'application/octet-stream' : type)
    const file = await download(a, stored.id)
    expect(file.headers.get('content-type')).toBe(served)
    expect(file.headers.get('content-disposition')?.startsWith('attachment;') ?? false).toBe(attachment)
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes)
  })
})

describe('a file R2 would not delete', () => {
  it('is written down and destroyed by the next alarm', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()])
    const { attachment } = (await (
      await upload(a, b.id, { bytes: PNG, name: 'stuck.png', type: 'image/png' })
    ).json()) as {
      attachment: { id: string }
    }
    const { stub } = roomFor(env, a.id, b.id)
    interface Files {
      env: Cloudflare.Env
    }
    const doomed = await runInDurableObject(stub, async (room: ChatRoom) => {
      const internals = room as unknown as { sql: SqlStorage; files: Files; removeUpload: ChatRoom['removeUpload'] }
      const real = internals.files.env
      internals.files.env = {
        ...real,
        ATTACHMENTS: {
          delete: async () => {
            throw new Error('R2 is unavailable')
          },
        } as unknown as R2Bucket,
      }
      expect(internals.removeUpload(a.id, attachment.id)).toBe(true)
      await new Promise((r) => setTimeout(r, 50))
      internals.files.env = real
      return internals.sql.exec<{ n: number }>('select count(*) as n from doomed_files').one().n
    })
    expect(doomed).toBe(1)
    expect(await env.ATTACHMENTS.get(blobKey(attachment.id))).not.toBeNull()
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await env.ATTACHMENTS.get(blobKey(attachment.id))).toBeNull()
    expect(await inboxOf(env, a.id).storageUsed()).toBe(0)
  })
})
