// The client's reading of a streamed export: messages counted across chunk boundaries, never
// from text inside a body, and the server's file name.
import { describe, expect, it } from 'vitest'
import { fileNameOf, formatBytes, messageCounter } from '../../client/src/screens/settings/data-download.ts'

const message = (seq: number, body: string) =>
  JSON.stringify({ seq, clientId: `c${seq}`, senderId: 'u', body, sentAt: '2026-12-02T00:00:00.000Z', rev: seq })

describe('reading a streamed export', () => {
  it('counts each message once, whatever the chunk boundaries', () => {
    const doc = `{"conversations":[{"peer":{},"messages":[${[1, 2, 3, 4, 5].map((s) => message(s, `m${s}`)).join(',')}]}]}`
    for (const size of [1, 3, 7, 11, 64, doc.length]) {
      const count = messageCounter()
      let n = 0
      for (let i = 0; i < doc.length; i += size) n = count(doc.slice(i, i + size))
      expect(n).toBe(5)
    }
  })

  it('does not count the key written inside a body or a reply quote', () => {
    const count = messageCounter()
    const doc = JSON.stringify({
      messages: [
        { seq: 1, clientId: 'a', body: '"clientId": here', replyTo: { seq: 1, senderId: 'u', preview: '"clientId":' } },
      ],
    })
    expect(count(doc)).toBe(1)
  })

  it("takes the server's file name from content-disposition", () => {
    const res = new Response('{}', {
      headers: { 'content-disposition': 'attachment; filename="parley-export-2026-12-02.json"' },
    })
    expect(fileNameOf(res)).toBe('parley-export-2026-12-02.json')
    expect(fileNameOf(new Response('{}'), new Date('2026-01-05T10:00:00Z'))).toBe('parley-export-2026-01-05.json')
  })

  it('says sizes in KB and MB', () => {
    expect(formatBytes(0)).toBe('0 KB')
    expect(formatBytes(10)).toBe('1 KB')
    expect(formatBytes(820_400)).toBe('820 KB')
    expect(formatBytes(3_420_000)).toBe('3.4 MB')
  })
})
