// The chats list's filter: the conversations already loaded whose peer's name or email holds
// what was typed, ignoring case and accents ("zoe" finds "Zoë").
import type { Peer } from '../../../../protocol/api.ts'
import { displayName } from '../../session.ts'

/** Lower case without combining marks, so "É" and "e" compare equal. */
export function foldForSearch(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
}

export function peerMatches(peer: Peer, query: string): boolean {
  const q = foldForSearch(query.trim())
  if (q === '') return true
  return foldForSearch(displayName(peer)).includes(q) || foldForSearch(peer.email).includes(q)
}
