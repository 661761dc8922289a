// People the client has seen (search results, the list, chat sockets), so a conversation's
// header can show a name before its socket says who the peer is.
import { createStore } from 'solid-js/store'
import type { Peer } from '../../../protocol/api.ts'

const [known, setKnown] = createStore<Record<string, Peer>>({})

export function rememberPeer(peer: Peer): void {
  const current = known[peer.id]
  if (
    !current ||
    current.firstName !== peer.firstName ||
    current.lastName !== peer.lastName ||
    current.email !== peer.email
  ) {
    setKnown(peer.id, { ...peer })
  }
}

export function knownPeer(id: string): Peer | undefined {
  return known[id]
}
