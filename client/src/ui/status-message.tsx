// A polite live region for outcomes such as "Saved."; it stays mounted so changes are announced.
export function StatusMessage(props: { message: string | null }) {
  return (
    <p class="status-message" role="status">
      {props.message ?? ''}
    </p>
  )
}
