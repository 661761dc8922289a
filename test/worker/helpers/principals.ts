// Every kind of caller the authorization matrix tries, built through the real API.
import { env } from 'cloudflare:test'
import { SignJWT } from 'jose'
import { SESSION_COOKIE } from '../../../worker/crypto/session-token.ts'
import { call, type SignedUp, signUp } from './http.ts'

export type PrincipalName =
  | 'anonymous'
  | 'user'
  | 'otherPairMember'
  | 'deactivated'
  | 'staff'
  | 'superuser'
  | 'tampered'
  | 'expired'
  | 'algNone'
  | 'crossOrigin'

export interface Principal {
  name: PrincipalName
  cookie?: string
  headers?: Record<string, string>
}

export interface World {
  /** A pair with a conversation: alice talks to bob. */
  alice: SignedUp
  bob: SignedUp
  principals: Principal[]
  /** Someone to edit in admin routes: never staff. */
  target: SignedUp
}

const b64 = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')

export async function buildWorld(): Promise<World> {
  const [alice, bob, carol, dave, eve, sue, target] = await Promise.all(
    Array.from({ length: 7 }, (_, i) => signUp({ firstName: `P${i}` })),
  )
  await env.DB.prepare('update users set is_active = 0 where id = ?').bind(dave!.id).run()
  await env.DB.prepare('update users set is_staff = 1 where id = ?').bind(eve!.id).run()
  await env.DB.prepare('update users set is_staff = 1, is_superuser = 1 where id = ?').bind(sue!.id).run()
  const token = alice!.cookie.split('=')[1]!
  const [h, p, s] = token.split('.')
  const flipped = `${s!.slice(0, -2)}${s!.endsWith('AA') ? 'BB' : 'AA'}`
  const claims = JSON.parse(atob(p!.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>
  const expired = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(1_700_000_000)
    .setExpirationTime(1_700_000_100)
    .sign(new TextEncoder().encode(env.JWT_SECRET))
  const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, staff: true, su: true })}.`
  const cookie = (t: string) => `${SESSION_COOKIE}=${t}`
  return {
    alice: alice!,
    bob: bob!,
    target: target!,
    principals: [
      { name: 'anonymous' },
      { name: 'user', cookie: alice!.cookie },
      { name: 'otherPairMember', cookie: carol!.cookie },
      { name: 'deactivated', cookie: dave!.cookie },
      { name: 'staff', cookie: eve!.cookie },
      { name: 'superuser', cookie: sue!.cookie },
      { name: 'tampered', cookie: cookie(`${h}.${p}.${flipped}`) },
      { name: 'expired', cookie: cookie(expired) },
      { name: 'algNone', cookie: cookie(none) },
      { name: 'crossOrigin', cookie: alice!.cookie, headers: { origin: 'https://evil.example' } },
    ],
  }
}

/** Makes sure alice and bob's room exists in D1 (its id is what admin routes take). */
export async function roomIdOf(world: World): Promise<string> {
  const res = await call('/api/conversations', { cookie: world.alice.cookie })
  await res.body?.cancel()
  const row = await env.DB.prepare('select id from rooms where member_a in (?, ?) and member_b in (?, ?)')
    .bind(world.alice.id, world.bob.id, world.alice.id, world.bob.id)
    .first<{ id: string }>()
  if (!row) throw new Error('room not flushed to D1 yet')
  return row.id
}
