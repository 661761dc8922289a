// In place of the composer when the other person deleted their account (CONTRACT.md:
// Deleting an account): the history stays readable, nothing can be sent.
export function DeletedPeerNotice() {
  return (
    <div class="composer-blocked" role="status">
      <p>This account was deleted. You can read the conversation but not reply.</p>
    </div>
  )
}
