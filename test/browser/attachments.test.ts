// Attachments in Chromium, two browser contexts as two people: a pasted photo seen as a
// thumbnail and then whole in the viewer, a PDF downloaded byte for byte, a file over the limit
// refused before a byte leaves the page, an upload that waits out a lost network, and what the
// server keeps at rest (only Fernet tokens: no file's bytes or name in any file of its state).
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page, Request } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import type { Attachment, Message } from '../../protocol/api.ts'
import { ROOT } from '../../scripts/lib/dev-server.ts'
import { runPython } from './helpers/at-rest.ts'
import { usePeople } from './helpers/browser.ts'
import { composer, deliveryState, loggedMessages, messageRow, talkingPair, uniqueWord } from './helpers/chat.ts'
import { devFernetKeys } from './helpers/dev-keys.ts'

const baseUrl = inject('baseUrl')
const persistTo = inject('persistTo')
const { person } = usePeople(baseUrl)

/** Ann and Bob, each with their conversation open and connected. */
async function talking() {
  const { a, b, ada: ann, bob } = await talkingPair(person, { family: 'Files', names: ['Ann', 'Bob'] })
  return { a, b, ann, bob }
}

/** The composer's file input, which the attach button opens. */
const fileInput = (page: Page) => page.locator('.composer input[type="file"]')
const chips = (page: Page) => page.getByRole('list', { name: 'Files to send' })
const chip = (page: Page, name: string) => chips(page).locator('.file-chip-name', { hasText: name })

const isUpload = (r: Request) => r.method() === 'POST' && /\/api\/conversations\/[^/]+\/attachments$/.test(r.url())

async function history(page: Page, peerId: string): Promise<Message[]> {
  const res = await page.context().request.get(`/api/conversations/${peerId}/messages`)
  expect(res.status()).toBe(200)
  return ((await res.json()) as { messages: Message[] }).messages
}

/**
 * A PDF of exactly `size` bytes: one blank page and a stream of random bytes, so any 32 of
 * them found somewhere else can only have come from this file.
 */
function makePdf(size: number): Buffer {
  const noise = randomBytes(4096)
  const head = Buffer.from(
    '%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n' +
      '2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n' +
      '3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 200 200]>> endobj\n' +
      `4 0 obj <</Length ${noise.length}>>\nstream\n`,
  )
  const tail = Buffer.from('\nendstream\nendobj\ntrailer <</Root 1 0 R>>\n%%EOF\n')
  const pad = size - head.length - noise.length - tail.length - 2
  if (pad < 0) throw new Error('PDF too small for its parts')
  return Buffer.concat([head, noise, tail, Buffer.from(`%${' '.repeat(pad)}\n`)])
}

/** 32 bytes from the middle of a file: random in both files made here. */
const runOf = (bytes: Buffer) => bytes.subarray(Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 32)

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

// What journeys 1 and 2 sent, for the at-rest check.
const sent: { photo?: { name: string; bytes: Buffer }; pdf?: { name: string; bytes: Buffer } } = {}

const PHOTO_W = 640
const PHOTO_H = 400

describe('sending files', () => {
  it('lets Ann paste a photo that Bob sees as a thumbnail and opens whole in the viewer', async () => {
    const { a, b, ann } = await talking()
    const name = `${uniqueWord('quokka-sunrise-7Q-')}.png`

    // A PNG made in Ann's page (random pixels, so it is large and its bytes are its own), pasted
    // into the composer the way a copied file arrives: a paste event whose clipboard holds it.
    const pasted = await composer(a.page).evaluate(
      async (field, { name, width, height }) => {
        const canvas = document.createElement('canvas')
        canvas.width = width
        canvas.height = height
        const ctx = canvas.getContext('2d')!
        const pixels = ctx.createImageData(width, height)
        for (let i = 0; i < pixels.data.length; i += 65536) crypto.getRandomValues(pixels.data.subarray(i, i + 65536))
        for (let i = 3; i < pixels.data.length; i += 4) pixels.data[i] = 255
        ctx.putImageData(pixels, 0, 0)
        const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), 'image/png'))
        const file = new File([blob], name, { type: 'image/png' })
        const clipboard = new DataTransfer()
        clipboard.items.add(file)
        ;(field as HTMLElement).focus()
        const event = new ClipboardEvent('paste', { clipboardData: clipboard, bubbles: true, cancelable: true })
        field.dispatchEvent(event)
        const bytes = new Uint8Array(await blob.arrayBuffer())
        let binary = ''
        for (let i = 0; i < bytes.length; i += 8192) binary += String.fromCharCode(...bytes.subarray(i, i + 8192))
        return { handled: event.defaultPrevented, base64: btoa(binary) }
      },
      { name, width: PHOTO_W, height: PHOTO_H },
    )
    expect(pasted.handled, 'the composer took the pasted file').toBe(true)
    const png = Buffer.from(pasted.base64, 'base64')
    expect(png.subarray(1, 4).toString()).toBe('PNG')

    await chip(a.page, name).waitFor()
    expect(await composer(a.page).inputValue()).toBe('')
    // A message of a photo alone: no text needed.
    await composer(a.page).press('Enter')
    await chips(a.page).waitFor({ state: 'detached' })

    const photo = b.page.getByRole('button', { name: `Photo: ${name}` })
    await photo.waitFor()
    const thumb = photo.locator('img')
    await expect
      .poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBeGreaterThan(0)
    // The bubble shows the small preview Ann's page made, not the whole photo.
    expect(await thumb.getAttribute('src')).toMatch(/^\/api\/attachments\/[0-9a-f]{96}\/thumbnail$/)
    expect(await thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeLessThan(PHOTO_W)

    const [stored] = (await history(b.page, ann.user.id)).filter((m) => m.attachments?.length)
    expect(stored?.attachments).toEqual([
      expect.objectContaining({ name, type: 'image/png', size: png.length, width: PHOTO_W, height: PHOTO_H }),
    ])
    const attachment = stored!.attachments![0]!
    expect(attachment.thumbnail).toBe(true)

    await photo.click()
    const viewer = b.page.getByRole('dialog', { name: `Photo: ${name}` })
    await viewer.waitFor()
    const full = viewer.locator('img.viewer-photo')
    await expect
      .poll(() => full.evaluate((img: HTMLImageElement) => [img.complete, img.naturalWidth, img.naturalHeight]))
      .toEqual([true, PHOTO_W, PHOTO_H])
    expect(await full.getAttribute('src')).toBe(`/api/attachments/${attachment.id}`)
    // What the viewer loaded is Ann's photo, byte for byte.
    const download = await b.context.request.get(`/api/attachments/${attachment.id}`)
    expect(download.headers()['content-type']).toBe('image/png')
    expect(Buffer.from(await download.body()).equals(png)).toBe(true)

    await b.page.keyboard.press('Escape')
    await viewer.waitFor({ state: 'hidden' })
    // Focus goes back to the photo in the log.
    expect(await b.page.evaluate(() => document.activeElement?.getAttribute('data-attachment-id'))).toBe(attachment.id)

    // Ann's own bubble shows the photo too, from her page's copy.
    await a.page.getByRole('button', { name: `Photo: ${name}` }).waitFor()
    sent.photo = { name, bytes: png }
  })

  it('lets Ann send a PDF that Bob sees as a card with its name and size, and downloads byte for byte', async () => {
    const { a, b, ann } = await talking()
    const name = `${uniqueWord('zebra-manifest-7Q-')}.pdf`
    const pdf = makePdf(5 * 1024)
    expect(pdf.length).toBe(5120)

    await a.page.getByRole('button', { name: 'Attach files' }).waitFor()
    await fileInput(a.page).setInputFiles({ name, mimeType: 'application/pdf', buffer: pdf })
    await chip(a.page, name).waitFor()
    await composer(a.page).fill('The manifest, as promised.')
    await composer(a.page).press('Enter')
    await expect.poll(() => deliveryState(a.page, 'The manifest, as promised.')).not.toMatch(/queued|sending/)

    const row = messageRow(b.page, 'The manifest, as promised.')
    const card = row.getByRole('link', { name: `Download ${name}, 5 KB` })
    await card.waitFor()
    expect(await card.locator('.file-card-name').textContent()).toBe(name)
    expect(await card.locator('.file-card-size').textContent()).toBe('5 KB')
    expect(await card.getAttribute('href')).toMatch(/^\/api\/attachments\/[0-9a-f]{96}$/)

    const [download] = await Promise.all([b.page.waitForEvent('download'), card.click()])
    expect(download.suggestedFilename()).toBe(name)
    const path = await download.path()
    expect(readFileSync(path).equals(pdf), 'the downloaded file is the one Ann sent').toBe(true)

    // Served as the contract says: never rendered by the browser, the name only in the header.
    const res = await b.context.request.get((await card.getAttribute('href'))!)
    expect(res.headers()).toMatchObject({
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': 'sandbox',
    })
    const [message] = (await history(b.page, ann.user.id)).filter((m) => m.attachments?.length)
    expect(message?.attachments?.map((x: Attachment) => [x.name, x.type, x.size])).toEqual([
      [name, 'application/pdf', 5120],
    ])
    sent.pdf = { name, bytes: pdf }
  })

  it('refuses a file over 10 MiB with a message before any byte of it is sent', async () => {
    const { a } = await talking()
    const uploads: Request[] = []
    a.page.on('request', (r) => {
      if (isUpload(r)) uploads.push(r)
    })
    const big = `${uniqueWord('holiday-video-')}.mp4`
    // From a file on disk: Chromium reads it itself, as from a real chooser (a buffer this size
    // would crawl through the protocol as base64).
    const dir = mkdtempSync(join(tmpdir(), 'parley-big-'))
    const bigPath = join(dir, big)
    writeFileSync(bigPath, Buffer.alloc(11 * 1024 * 1024, 7))
    try {
      await fileInput(a.page).setInputFiles(bigPath)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    const problem = a.page.getByRole('alert').filter({ hasText: big })
    await problem.waitFor()
    expect(await problem.locator('span').first().textContent()).toBe(`“${big}” is 11 MB: a file can be at most 10 MB.`)
    // Not taken for the message at all.
    expect(await chips(a.page).count()).toBe(0)

    // A small file right after goes up at once: the watcher sees uploads, and sees only that one.
    const small = `${uniqueWord('note-')}.txt`
    const answered = a.page.waitForResponse((res) => isUpload(res.request()))
    await fileInput(a.page).setInputFiles({ name: small, mimeType: 'text/plain', buffer: Buffer.from('just a note') })
    const res = await answered
    expect(res.status()).toBe(201)
    expect(((await res.json()) as { attachment: Attachment }).attachment).toMatchObject({ name: small, size: 11 })
    await chips(a.page).getByText('11 B').waitFor()
    expect(await chips(a.page).locator('.file-chip-name').allTextContents()).toEqual([small])
    expect(uploads.map((r) => r.url())).toEqual([res.url()])
  })

  it('keeps a file sent offline and delivers it, exactly once, when the network is back', async () => {
    const { a, b, bob } = await talking()
    const accepted: number[] = []
    a.page.on('response', (res) => {
      if (isUpload(res.request())) accepted.push(res.status())
    })
    const name = `${uniqueWord('tunnel-notes-')}.txt`
    const bytes = Buffer.from(`written underground ${randomBytes(16).toString('hex')}\n`)

    await a.context.setOffline(true)
    await a.page.locator('.connection').getByText('You are offline.').waitFor()
    await fileInput(a.page).setInputFiles({ name, mimeType: 'text/plain', buffer: bytes })
    await chips(a.page).getByText('Waiting for the network…').waitFor()
    await composer(a.page).fill('Sent from the tunnel')
    await composer(a.page).press('Enter')
    await expect.poll(() => deliveryState(a.page, 'Sent from the tunnel')).toBe('queued')
    // The file travels with the queued message, still waiting.
    await messageRow(a.page, 'Sent from the tunnel').getByText('Waiting for the network…').waitFor()
    expect(accepted).toEqual([])

    await a.context.setOffline(false)
    const card = messageRow(b.page, 'Sent from the tunnel').getByRole('link', {
      name: `Download ${name}, ${bytes.length} B`,
    })
    await card.waitFor()
    await expect.poll(() => deliveryState(a.page, 'Sent from the tunnel')).not.toMatch(/queued|sending|failed/)

    // Once on each screen, once in storage, one upload.
    const onB = (await loggedMessages(b.page)).filter((m) => m.body === 'Sent from the tunnel')
    expect(onB).toHaveLength(1)
    expect((await loggedMessages(a.page)).filter((m) => m.body === 'Sent from the tunnel')).toHaveLength(1)
    const stored = await history(a.page, bob.user.id)
    expect(stored.map((m) => [m.body, m.attachments?.map((x) => x.name)])).toEqual([['Sent from the tunnel', [name]]])
    expect(accepted).toEqual([201])
    const res = await b.context.request.get((await card.getAttribute('href'))!)
    expect(Buffer.from(await res.body()).equals(bytes)).toBe(true)
  })
})

// ---- at rest ----

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* filesUnder(path)
    else if (entry.isFile()) yield path
  }
}

// Each token decrypted with pyca's MultiFernet: the sha256 and length of what it holds, or null.
const DECRYPT = `
import hashlib, json, sys
from cryptography.fernet import Fernet, MultiFernet, InvalidToken
request = json.load(sys.stdin)
fernet = MultiFernet([Fernet(k.strip()) for k in request['keys'].split(',')])
out = []
for path in request['paths']:
    try:
        plain = fernet.decrypt(open(path, 'rb').read().strip())
        out.append([hashlib.sha256(plain).hexdigest(), len(plain)])
    except InvalidToken:
        out.append(None)
json.dump(out, sys.stdout)
`

describe('at rest', () => {
  it('keeps no file’s bytes or name in the server’s state, only Fernet tokens that open to the exact bytes', () => {
    expect(sent.pdf, 'the PDF journey ran, and passed, first in this file').toBeDefined()
    expect(sent.photo, 'the photo journey ran, and passed, first in this file').toBeDefined()
    const files = [sent.photo!, sent.pdf!]
    const needles = files.flatMap((f) => [
      { what: `32 bytes of ${f.name}`, bytes: runOf(f.bytes) },
      { what: `the name ${f.name} (UTF-8)`, bytes: Buffer.from(f.name, 'utf8') },
      { what: `the name ${f.name} (UTF-16LE)`, bytes: Buffer.from(f.name, 'utf16le') },
    ])
    const findIn = (content: Buffer) => needles.filter((n) => content.includes(n.bytes)).map((n) => n.what)
    // The search finds what it looks for (so a clean result means something).
    expect(findIn(Buffer.concat([randomBytes(100), ...needles.map((n) => n.bytes), randomBytes(100)]))).toEqual(
      needles.map((n) => n.what),
    )

    // The server's state (R2 objects, D1, Durable Object SQLite), the project's own wrangler
    // state if anything wrote there, and the server's log (file names never reach a log).
    const roots = [persistTo, join(ROOT, '.wrangler', 'state')].filter((dir) => existsSync(dir))
    const paths = roots.flatMap((root) => [...filesUnder(root)])
    const log = join(ROOT, 'artifacts', 'wrangler-browser.log')
    if (existsSync(log)) paths.push(log)
    const found: string[] = []
    // The R2 bodies: whole files that are Fernet tokens.
    const tokens: string[] = []
    let scanned = 0
    for (const path of paths) {
      let content: Buffer
      try {
        content = readFileSync(path)
      } catch (err) {
        // SQLite's -shm and -journal files come and go while the server runs.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
        throw err
      }
      scanned += content.length
      for (const what of findIn(content)) found.push(`${what} in ${path}`)
      if (path.startsWith(persistTo) && content.subarray(0, 6).toString('latin1') === 'gAAAAA') tokens.push(path)
    }
    expect(found, found.join('\n')).toEqual([])

    expect(scanned).toBeGreaterThan(files[0]!.bytes.length)
    expect(tokens.length, 'the R2 objects were found under persistTo').toBeGreaterThanOrEqual(2)
    const opened = runPython<([string, number] | null)[]>(DECRYPT, { keys: devFernetKeys(), paths: tokens })
    expect(
      opened.every((o) => o !== null),
      'every R2 object opens with FERNET_KEYS',
    ).toBe(true)
    const digests = opened.map((o) => o![0])
    expect(digests).toContain(sha256(sent.pdf!.bytes))
    expect(digests).toContain(sha256(sent.photo!.bytes))
  })
})
