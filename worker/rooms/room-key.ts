// Each pair of users has exactly one room: its Durable Object is named by both ids,
// sorted, so either member finds the same object.
import type { Env } from '../env.ts'

export function roomName(a: string, b: string): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`
}

export function sortedMembers(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a]
}

/** Both members' read receipts switches as the room takes them (ROOM_HEADERS.receipts): `1,0`, in sorted member order. */
export function receiptsFlags(
  a: { id: string; readReceipts: boolean },
  b: { id: string; readReceipts: boolean },
): string {
  const [first, second] = a.id < b.id ? [a, b] : [b, a]
  return `${first.readReceipts ? '1' : '0'},${second.readReceipts ? '1' : '0'}`
}

export function roomFor(env: Env, a: string, b: string) {
  const id = env.CHAT_ROOM.idFromName(roomName(a, b))
  return { roomId: id.toString(), stub: env.CHAT_ROOM.get(id) }
}

export function roomById(env: Env, roomId: string) {
  return env.CHAT_ROOM.get(env.CHAT_ROOM.idFromString(roomId))
}

/** The room of an id that came from outside (a download link): null when it is not one of ours. */
export function roomByForeignId(env: Env, roomId: string) {
  try {
    return env.CHAT_ROOM.get(env.CHAT_ROOM.idFromString(roomId))
  } catch {
    return null
  }
}
