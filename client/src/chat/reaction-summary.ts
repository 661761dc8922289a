// Who reacted with an emoji, in words for a title and a screen reader: "You", "Ada", "You and Ada".

export function reactorNames(userIds: readonly string[], me: string, peerName: string): string {
  const names = userIds.map((id) => (id === me ? 'You' : peerName))
  // "You" first, as people expect to read it.
  names.sort((a, b) => (a === 'You' ? -1 : b === 'You' ? 1 : 0))
  if (names.length <= 1) return names[0] ?? ''
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
}

/** The accessible name of a reaction button: "👍 2 from You and Ada" (the count is what it shows). */
export function reactionLabel(emoji: string, userIds: readonly string[], me: string, peerName: string): string {
  return `${emoji} ${userIds.length} from ${reactorNames(userIds, me, peerName)}`
}
