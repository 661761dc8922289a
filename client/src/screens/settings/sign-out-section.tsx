// Sign out on this device (POST /api/auth/logout); the guard then shows the sign-in screen.
import { createSignal } from 'solid-js'
import { signOut } from '../../accounts.ts'
import { ApiError } from '../../api.ts'
import { clearSession, signingOutWhile } from '../../session.ts'
import { Button } from '../../ui/button.tsx'
import { FormError } from '../../ui/form-error.tsx'

export function SignOutSection() {
  const [pending, setPending] = createSignal(false)
  const [failure, setFailure] = createSignal<string | null>(null)

  async function onSignOut(): Promise<void> {
    setPending(true)
    setFailure(null)
    try {
      await signingOutWhile(async () => {
        try {
          await signOut()
          clearSession('sign-out')
        } catch (err) {
          // A 401 means the session was already gone, which is what the person wanted.
          if (err instanceof ApiError && err.status === 401) clearSession('sign-out')
          else throw err
        }
      })
    } catch (err) {
      setFailure(err instanceof ApiError ? err.problem.detail : 'Signing out did not work. Please try again.')
    } finally {
      setPending(false)
    }
  }

  return (
    <section class="card" aria-labelledby="sign-out-heading">
      <h2 id="sign-out-heading" class="card-title">
        Sign out
      </h2>
      <p class="muted">Sign out of Parley on this device.</p>
      <FormError message={failure()} />
      <div class="form-actions">
        <Button variant="danger" pending={pending()} pendingLabel="Signing out…" onClick={() => void onSignOut()}>
          Sign out
        </Button>
      </div>
    </section>
  )
}
