// A round initial standing in for a person's picture; decorative, the name is always beside it.
export function Avatar(props: { name: string; size?: 'small' | 'large' }) {
  const initial = () => ([...props.name.trim()][0] ?? '?').toUpperCase()
  return (
    <span class="chat-avatar" classList={{ 'chat-avatar-large': props.size === 'large' }} aria-hidden="true">
      {initial()}
    </span>
  )
}
