// The people one has blocked (CONTRACT.md: Blocking): list, block, unblock. Both writes are
// idempotent on the server, so a retry after a lost answer is safe.
import type { Peer } from '../../../protocol/api.ts'
import { api, request } from '../api.ts'

export async function fetchBlocks(): Promise<Peer[]> {
  return (await api.get<{ blocks: Peer[] }>('/me/blocks')).blocks
}

export function blockPerson(userId: string): Promise<void> {
  return request<void>('PUT', `/me/blocks/${encodeURIComponent(userId)}`)
}

export function unblockPerson(userId: string): Promise<void> {
  return request<void>('DELETE', `/me/blocks/${encodeURIComponent(userId)}`)
}
