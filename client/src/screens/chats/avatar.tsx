// A round initial standing in for a person's picture; decorative, the name is always beside it.
// A deleted account has no initial: a neutral mark.
export function Avatar(props: { name: string; size?: 'small' | 'large'; deleted?: boolean }) {
  const initial = () => (props.deleted ? '–' : ([...props.name.trim()][0] ?? '?').toUpperCase())
  return (
    <span
      class="chat-avatar"
      classList={{ 'chat-avatar-large': props.size === 'large', 'chat-avatar-deleted': props.deleted }}
      aria-hidden="true"
    >
      {initial()}
    </span>
  )
}
