// A Web Push service for the tests, on loopback: it hands out subscriptions, and for each
// push it checks the VAPID JWT (RFC 8292) and decrypts the aes128gcm body (RFC 8291)
// with the subscription's private key, as a browser's push service and user agent would.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export const PUSH_HOST = 'push.parley.test'

interface Subscription {
  keys: CryptoKeyPair
  publicRaw: Bytes
  auth: Bytes
  /** What pushes arriving from now on are answered with; 0 drops the connection (a network error). */
  status: number
  /** Every push that reached the service, answered or not. */
  attempts: number
  received: Received[]
}

interface Received {
  payload: unknown
  ttl: string | undefined
  urgency: string | undefined
  topic: string | undefined
  vapidSubject: string
}

const subtle = globalThis.crypto.subtle
const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url')
type Bytes = Uint8Array<ArrayBuffer>
const unb64url = (s: string): Bytes => new Uint8Array(Buffer.from(s, 'base64url'))
const utf8 = (s: string): Bytes => new TextEncoder().encode(s)
const concat = (...parts: Uint8Array[]): Bytes => new Uint8Array(Buffer.concat(parts))

async function readBody(req: IncomingMessage): Promise<Bytes> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return new Uint8Array(Buffer.concat(chunks))
}

/** RFC 8292: `vapid t=<JWT>, k=<public key>`; the JWT is ES256 over that key. */
async function verifyVapid(header: string | undefined, audience: string): Promise<string> {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+=*)$/.exec(header ?? '')
  if (!m) throw new Error(`no vapid authorization: ${header}`)
  const [h, p, s] = m[1]!.split('.')
  const header_ = JSON.parse(Buffer.from(h!, 'base64url').toString()) as { alg: string }
  if (header_.alg !== 'ES256') throw new Error(`alg ${header_.alg}`)
  const key = await subtle.importKey('raw', unb64url(m[2]!), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'])
  const ok = await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, unb64url(s!), utf8(`${h}.${p}`))
  if (!ok) throw new Error('bad VAPID signature')
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as { aud: string; exp: number; sub: string }
  if (claims.aud !== audience) throw new Error(`aud ${claims.aud} is not ${audience}`)
  if (claims.exp * 1000 < Date.now() || claims.exp * 1000 > Date.now() + 24 * 3600_000) throw new Error('bad exp')
  if (!claims.sub) throw new Error('no sub')
  return claims.sub
}

async function hkdf(salt: Bytes, ikm: Bytes, info: Bytes, bytes: number): Promise<Bytes> {
  const key = await subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits'])
  return new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, key, bytes * 8))
}

/** RFC 8291 §3.4 and RFC 8188: one aes128gcm record, padding delimited by 0x02. */
async function decrypt(sub: Subscription, body: Bytes): Promise<Uint8Array> {
  const salt = body.slice(0, 16)
  const idlen = body[20]!
  const serverPublic = body.slice(21, 21 + idlen)
  const ciphertext = body.slice(21 + idlen)
  const serverKey = await subtle.importKey('raw', serverPublic, { name: 'ECDH', namedCurve: 'P-256' }, false, [])
  const shared = new Uint8Array(await subtle.deriveBits({ name: 'ECDH', public: serverKey }, sub.keys.privateKey, 256))
  const ikm = await hkdf(sub.auth, shared, concat(utf8('WebPush: info\0'), sub.publicRaw, serverPublic), 32)
  const cek = await hkdf(salt, ikm, utf8('Content-Encoding: aes128gcm\0'), 16)
  const nonce = await hkdf(salt, ikm, utf8('Content-Encoding: nonce\0'), 12)
  const aes = await subtle.importKey('raw', cek, 'AES-GCM', false, ['decrypt'])
  const plain = new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: nonce }, aes, ciphertext))
  let end = plain.length - 1
  while (end >= 0 && plain[end] === 0) end--
  if (plain[end] !== 2) throw new Error('last record has no 0x02 delimiter')
  return plain.subarray(0, end)
}

export interface PushService {
  port: number
  server: Server
}

export async function startPushService(): Promise<PushService> {
  const subs = new Map<string, Subscription>()
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `https://${PUSH_HOST}`)
    const reply = (status: number, body?: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(body === undefined ? '' : JSON.stringify(body))
    }
    try {
      const [, route, id] = url.pathname.split('/')
      if (req.method === 'POST' && route === 'new') {
        const keys = (await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, [
          'deriveBits',
        ])) as CryptoKeyPair
        const publicRaw = new Uint8Array(await subtle.exportKey('raw', keys.publicKey))
        const auth = crypto.getRandomValues(new Uint8Array(16))
        const subId = crypto.randomUUID()
        const status = Number(url.searchParams.get('status') ?? 201)
        subs.set(subId, { keys, publicRaw, auth, status, attempts: 0, received: [] })
        return reply(200, {
          endpoint: `https://${PUSH_HOST}/push/${subId}`,
          keys: { p256dh: b64url(publicRaw), auth: b64url(auth) },
        })
      }
      const sub = id ? subs.get(id) : undefined
      if (!sub) return reply(404, { error: 'unknown subscription' })
      if (req.method === 'GET' && route === 'received') return reply(200, sub.received)
      if (req.method === 'GET' && route === 'attempts') return reply(200, sub.attempts)
      // A test changes how later pushes are answered: POST /answer/<id>?status=500
      if (req.method === 'POST' && route === 'answer') {
        sub.status = Number(url.searchParams.get('status') ?? 201)
        return reply(204)
      }
      if (req.method === 'POST' && route === 'push') {
        // Answered as the service was set when the push arrived, when it is counted: a test
        // that sees the attempt and changes the answer (POST /answer) must not change this one's.
        sub.attempts++
        const status = sub.status
        if (status === 0) return req.socket.destroy()
        if (req.headers['content-encoding'] !== 'aes128gcm') return reply(400, { error: 'not aes128gcm' })
        const vapidSubject = await verifyVapid(req.headers.authorization, `https://${PUSH_HOST}`)
        const plain = await decrypt(sub, await readBody(req))
        if (status >= 400) return reply(status)
        sub.received.push({
          payload: JSON.parse(new TextDecoder().decode(plain)),
          ttl: req.headers.ttl as string | undefined,
          urgency: req.headers.urgency as string | undefined,
          topic: req.headers.topic as string | undefined,
          vapidSubject,
        })
        return reply(201)
      }
      reply(404)
    } catch (err) {
      reply(400, { error: String(err) })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  server.unref()
  return { port: (server.address() as AddressInfo).port, server }
}
