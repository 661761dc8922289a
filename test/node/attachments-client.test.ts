// The client's pure attachment rules (issue 12): sizes as people read them, the labels of
// messages without text, which chosen files are taken, the boxes photos reserve, thumbnail
// sizing, what an upload's answer means, and files surviving in the outbox.
import { describe, expect, it } from 'vitest'
import {
  admitFiles,
  attachmentLabel,
  fileExtension,
  formatBytes,
  isInlineImage,
  messagePreview,
  photoBox,
  quotePreview,
} from '../../client/src/chat/attachment-rules.ts'
import { quoteOf, showWithChanges } from '../../client/src/chat/message-changes.ts'
import { type OutboxItem, readLegacyOutbox, readOutboxRecords } from '../../client/src/chat/outbox.ts'
import { needsThumbnail, scaledSize } from '../../client/src/chat/thumbnail.ts'
import { DEFAULT_RETRY_AFTER_MS, parseRetryAfter, uploadOutcome } from '../../client/src/chat/uploads.ts'
import { MAX_ATTACHMENTS_PER_MESSAGE, MAX_THUMBNAIL_BYTES } from '../../protocol/api.ts'

const MiB = 1024 * 1024
const photo = (name = 'IMG_1.jpg') => ({ name, type: 'image/jpeg' })
const file = (name = 'report.pdf') => ({ name, type: 'application/pdf' })

describe('sizes', () => {
  it('says sizes in bytes, KB and MB with at most one decimal', () => {
    expect([0, 1, 1023].map(formatBytes)).toEqual(['0 B', '1 B', '1023 B'])
    expect([1024, 1536, 10 * 1024, 340 * 1024].map(formatBytes)).toEqual(['1 KB', '1.5 KB', '10 KB', '340 KB'])
    expect([MiB, 2.25 * MiB, 10 * MiB, 1023.9 * 1024].map(formatBytes)).toEqual(['1 MB', '2.3 MB', '10 MB', '1 MB'])
  })
})

describe('labels of messages without text', () => {
  it('names photos by count and files by name', () => {
    expect(attachmentLabel([photo()])).toBe('📷 Photo')
    expect(attachmentLabel([photo(), photo('b.png')])).toBe('📷 2 photos')
    expect(attachmentLabel([file()])).toBe('📎 report.pdf')
    expect(attachmentLabel([photo(), file()])).toBe('📎 2 files')
    expect(attachmentLabel([])).toBe('')
  })

  it('shows the text after the files’ icon in the chat list, or the label when there is none', () => {
    expect(messagePreview({ body: 'Look\nat this', attachments: [photo()] })).toBe('📷 Look at this')
    expect(messagePreview({ body: '', attachments: [file()] })).toBe('📎 report.pdf')
    expect(messagePreview({ body: 'plain' })).toBe('plain')
  })

  it('quotes a message of files alone by what its files are, and a deleted one as ""', () => {
    expect(quotePreview({ body: '', attachments: [photo()] })).toBe('📷 Photo')
    expect(quoteOf({ seq: 4, senderId: 'a', body: '', attachments: [file()] }).preview).toBe('📎 report.pdf')
    expect(quoteOf({ seq: 4, senderId: 'a', body: '', deletedAt: 'x', attachments: [file()] }).preview).toBe('')
    expect(quotePreview({ body: 'caption', attachments: [photo()] })).toBe('caption')
  })

  it('shows no attachments on a message deleted but not confirmed yet', () => {
    const m = {
      seq: 3,
      senderId: 'me',
      sentAt: new Date().toISOString(),
      body: '',
      attachments: [{ id: 'ab', name: 'a.png', type: 'image/png', size: 10 }],
    }
    const shown = showWithChanges(
      m,
      [{ id: 'c', change: { type: 'delete', seq: 3 }, createdAt: m.sentAt, status: 'queued' }],
      'me',
    )
    expect(shown.attachments).toBeUndefined()
    expect(showWithChanges(m, [], 'me').attachments).toHaveLength(1)
  })

  it('tells photos shown inline from files to download, whatever the case of the type', () => {
    expect(['image/png', 'image/JPEG', 'image/gif', 'image/webp'].map(isInlineImage)).toEqual([true, true, true, true])
    expect(['image/svg+xml', 'image/heic', 'application/pdf', ''].map(isInlineImage)).toEqual([
      false,
      false,
      false,
      false,
    ])
  })

  it('gives a short extension for a file’s icon', () => {
    expect(['report.pdf', 'archive.tar.gz', 'README', '.env', 'x.verylong', 'photo.'].map(fileExtension)).toEqual([
      'PDF',
      'GZ',
      '',
      '',
      '',
      '',
    ])
  })
})

describe('choosing files', () => {
  const f = (name: string, size: number) => ({ name, size })

  it('takes files within the size limit', () => {
    const chosen = [f('a', 1), f('b', 10 * MiB)]
    expect(admitFiles(chosen, 0, 10 * MiB)).toEqual({ accepted: chosen, problem: null })
  })

  it('refuses a file over the limit before sending anything, saying how large it is', () => {
    const { accepted, problem } = admitFiles([f('movie.mov', 23 * MiB), f('ok.txt', 5)], 0, 10 * MiB)
    expect(accepted.map((x) => x.name)).toEqual(['ok.txt'])
    expect(problem).toBe('“movie.mov” is 23 MB: a file can be at most 10 MB.')
  })

  it('names several files over the limit together', () => {
    const big = ['a', 'b', 'c', 'd', 'e'].map((n) => f(n, 11 * MiB))
    expect(admitFiles(big, 0, 10 * MiB).problem).toBe(
      '“a”, “b”, “c” and 2 more are larger than 10 MB, the most a file can be.',
    )
  })

  it('refuses empty files', () => {
    expect(admitFiles([f('empty', 0)], 0, MiB)).toEqual({
      accepted: [],
      problem: '“empty” is empty (or a folder), so not added.',
    })
  })

  it(`takes at most ${MAX_ATTACHMENTS_PER_MESSAGE} files for one message, counting those already chosen`, () => {
    const twelve = Array.from({ length: 12 }, (_, i) => f(`f${i}`, 1))
    const first = admitFiles(twelve, 0, MiB)
    expect(first.accepted).toHaveLength(MAX_ATTACHMENTS_PER_MESSAGE)
    expect(first.problem).toBe(`A message can carry at most ${MAX_ATTACHMENTS_PER_MESSAGE} files: 2 were not added.`)
    const more = admitFiles([f('x', 1), f('y', 1)], 9, MiB)
    expect(more.accepted.map((x) => x.name)).toEqual(['x'])
    expect(more.problem).toContain('1 was not added')
  })
})

describe('photo boxes', () => {
  it('keeps the photo’s shape within 280 × 320, never enlarging it', () => {
    expect(photoBox(4000, 3000)).toEqual({ width: 280, height: 210 })
    expect(photoBox(3000, 4000)).toEqual({ width: 240, height: 320 })
    expect(photoBox(100, 50)).toEqual({ width: 100, height: 96 })
    expect(photoBox(200, 150)).toEqual({ width: 200, height: 150 })
  })

  it('crops very thin photos to a side that can be seen and clicked', () => {
    expect(photoBox(10_000, 100)).toEqual({ width: 280, height: 96 })
    expect(photoBox(100, 10_000)).toEqual({ width: 96, height: 320 })
  })

  it('reserves a 4:3 box when the size is not known', () => {
    expect(photoBox(undefined, undefined)).toEqual({ width: 280, height: 210 })
    expect(photoBox(0, 10)).toEqual({ width: 280, height: 210 })
  })
})

describe('thumbnails', () => {
  it('scales the longest side down to the limit, keeping the shape', () => {
    expect(scaledSize(4000, 3000, 320)).toEqual({ width: 320, height: 240 })
    expect(scaledSize(1080, 1920, 320)).toEqual({ width: 180, height: 320 })
    expect(scaledSize(200, 100, 320)).toEqual({ width: 200, height: 100 })
    expect(scaledSize(10_000, 1, 320)).toEqual({ width: 320, height: 1 })
  })

  it('makes none for a photo small enough to be its own preview', () => {
    expect(needsThumbnail(MAX_THUMBNAIL_BYTES)).toBe(false)
    expect(needsThumbnail(MAX_THUMBNAIL_BYTES + 1)).toBe(true)
  })
})

describe('what an upload’s answer means', () => {
  const attachment = { id: 'abc', name: 'a.png', type: 'image/png', size: 3, width: 2, height: 1, thumbnail: true }

  it('uses the attachment of a 201', () => {
    expect(uploadOutcome(201, { attachment }, null)).toEqual({ kind: 'done', attachment })
  })

  it('waits for the network when there was no answer, and as Retry-After says after a 429', () => {
    expect(uploadOutcome(0, null, null)).toEqual({ kind: 'network' })
    expect(uploadOutcome(429, { detail: 'Slow down.' }, '7')).toEqual({
      kind: 'rate-limited',
      retryAfterMs: 7000,
      detail: 'Slow down.',
    })
  })

  it('gives up with the server’s words when refused', () => {
    const full = { type: '/problems/storage-full', title: 'Storage full', status: 409, detail: 'Your 1 GB is used.' }
    expect(uploadOutcome(409, full, null)).toEqual({
      kind: 'refused',
      status: 409,
      code: 'storage-full',
      detail: 'Your 1 GB is used.',
    })
    expect(uploadOutcome(413, 'not json', null)).toMatchObject({
      kind: 'refused',
      detail: 'The file is too large to send.',
    })
  })

  it('tells a session that ended and a server error that may pass', () => {
    expect(uploadOutcome(401, { detail: 'Sign in again.' }, null)).toEqual({
      kind: 'session-ended',
      detail: 'Sign in again.',
    })
    expect(uploadOutcome(503, null, null)).toMatchObject({ kind: 'server-error', status: 503 })
    expect(uploadOutcome(201, { attachment: { id: 1 } }, null)).toMatchObject({ kind: 'server-error' })
  })

  it('reads Retry-After as seconds or a date, never under a second', () => {
    const now = Date.parse('2026-11-25T12:00:00.000Z')
    expect(parseRetryAfter('0', now)).toBe(1000)
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter(null, now)).toBe(DEFAULT_RETRY_AFTER_MS)
    expect(parseRetryAfter('soon', now)).toBe(DEFAULT_RETRY_AFTER_MS)
  })
})

describe('files in the outbox', () => {
  it('keeps a queued message’s files, and what the server made of those already uploaded', () => {
    const item: OutboxItem = {
      kind: 'send',
      clientId: 'c1',
      body: '',
      createdAt: '2026-11-25T12:00:00.000Z',
      attachments: [
        { localId: 'l1', name: 'a.png', type: 'image/png', size: 70_000, width: 800, height: 600 },
        {
          localId: 'l2',
          name: 'b.pdf',
          type: 'application/pdf',
          size: 5,
          attachment: { id: 'ff', name: 'b.pdf', type: 'application/pdf', size: 5 },
        },
      ],
    }
    // As IndexedDB gives it back (a structured clone), and as an older page left it in sessionStorage.
    const stored = [{ userId: 'me', peerId: 'peer', id: 'c1', order: 2, item: structuredClone(item) }]
    expect(readOutboxRecords(stored)).toEqual([{ item, order: 2 }])
    expect(readLegacyOutbox(JSON.stringify([item]))).toEqual([item])
  })

  it('drops a stored message whose files cannot be read, rather than send it without them', () => {
    const broken = { kind: 'send', clientId: 'c1', body: '', createdAt: 'x', attachments: [{ localId: 'l1' }] }
    expect(readOutboxRecords([{ userId: 'me', peerId: 'peer', id: 'c1', order: 1, item: broken }])).toEqual([])
    expect(readLegacyOutbox(JSON.stringify([broken]))).toEqual([])
  })
})
