// Counts a Durable Object class's billed entry points on its prototype, once at module load:
// fetch (HTTP and WebSocket upgrades), alarm, each incoming WebSocket message, and each RPC
// method a stub can call. The RPC list is checked by the compiler: a public method missing
// from it (or a name that is not one) fails `npm run typecheck`, so the count cannot drift.
import { meterOf } from './object-meter.ts'

/** What the runtime calls itself, counted separately. */
type Handler = 'fetch' | 'alarm' | 'webSocketMessage' | 'webSocketClose' | 'webSocketError'

/** The public methods of `T` a stub can call. */
export type RpcMethodsOf<T> = Exclude<
  {
    [K in keyof T]: [T[K]] extends [never] ? never : T[K] extends (...args: never[]) => unknown ? K : never
  }[keyof T] &
    string,
  Handler
>

// biome-ignore lint/suspicious/noExplicitAny: a prototype's methods take anything
type Method = (this: object, ...args: any[]) => any

/**
 * Wrapped calls under way in this synchronous stretch: a method the object calls on itself
 * before its first await (setBlocks from fetch) is not a request. Without AsyncLocalStorage
 * (no nodejs_compat), a self-call after an await counts: only account deletion makes one.
 */
let depth = 0

function wrap(proto: Record<string, unknown>, name: string, count: (self: object) => void): void {
  const original = proto[name]
  if (typeof original !== 'function') return
  const method = original as Method
  proto[name] = function (this: object, ...args: unknown[]) {
    if (depth === 0) count(this)
    depth++
    try {
      return method.apply(this, args)
    } finally {
      depth--
    }
  }
}

/** Wraps `cls`'s handlers and the RPC methods in `rpc` so each call counts for the object's meter. */
export function meterDurableObject<T extends object>(cls: { prototype: T }, rpc: Record<RpcMethodsOf<T>, true>): void {
  const proto = cls.prototype as unknown as Record<string, unknown>
  const request = (self: object) => meterOf(self)?.request()
  for (const name of ['fetch', 'alarm', ...Object.keys(rpc)]) wrap(proto, name, request)
  wrap(proto, 'webSocketMessage', (self) => meterOf(self)?.webSocketMessage())
}
