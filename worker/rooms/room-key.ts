// Each pair of users has exactly one room: its Durable Object is named by both ids,
// sorted, so either member finds the same object.
import type { Env } from '../env.ts'

export function roomName(a: string, b: string): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`
}

export function sortedMembers(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a]
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
