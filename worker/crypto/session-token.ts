// Session JWTs (jose, HS256). The token names the session row; the row is what makes
// logout, revocation and deactivation take effect on the next request.
import { jwtVerify, SignJWT } from 'jose'

export const SESSION_TTL_S = 30 * 24 * 3600
export const SESSION_COOKIE = 'parley_session'

export interface SessionClaims {
  userId: string
  sessionId: string
  staff: boolean
  superuser: boolean
}

const keys = new Map<string, Uint8Array>()
function keyOf(secret: string): Uint8Array {
  let key = keys.get(secret)
  if (!key) {
    if (secret.length < 32) throw new Error('JWT_SECRET must be at least 32 characters')
    key = new TextEncoder().encode(secret)
    keys.set(secret, key)
  }
  return key
}

export async function signSession(secret: string, claims: SessionClaims, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000)
  return new SignJWT({ sid: claims.sessionId, staff: claims.staff, su: claims.superuser })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + SESSION_TTL_S)
    .sign(keyOf(secret))
}

/** Null for anything but an unexpired HS256 token we signed (so never `alg: none`). */
export async function verifySession(secret: string, token: string): Promise<SessionClaims | null> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), { algorithms: ['HS256'] })
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return null
    return {
      userId: payload.sub,
      sessionId: payload.sid,
      staff: payload.staff === true,
      superuser: payload.su === true,
    }
  } catch {
    return null
  }
}
