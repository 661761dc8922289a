// Submit lifecycle shared by every form: client checks, pending flag, server field errors.
import { createSignal } from 'solid-js'
import { ApiError } from '../api.ts'

export type FieldErrors<F extends string> = Partial<Record<F, string>>

export function createFormState<F extends string>(fields: readonly F[]) {
  const [errors, setErrors] = createSignal<FieldErrors<F>>({})
  const [banner, setBanner] = createSignal<string | null>(null)
  const [more, setMore] = createSignal<string[]>([])
  const [pending, setPending] = createSignal(false)
  const known = new Set<string>(fields)

  function reset(): void {
    setErrors(() => ({}))
    setBanner(null)
    setMore([])
  }

  function showError(err: unknown): void {
    if (!(err instanceof ApiError)) {
      setBanner('Something went wrong. Please try again.')
      return
    }
    const inline: FieldErrors<F> = {}
    const elsewhere: string[] = []
    for (const [field, message] of Object.entries(err.errors)) {
      if (known.has(field)) inline[field as F] = message
      else elsewhere.push(message)
    }
    // Each message once: a detail that only repeats a field's own message stays by that field.
    const detail = err.problem.detail
    const repeated = Object.values(inline).includes(detail)
    setErrors(() => inline)
    setMore(elsewhere.filter((message) => message !== detail))
    setBanner(repeated ? null : detail)
  }

  // Moving focus to the first bad field is how keyboard and screen-reader users find it.
  function focusFirstInvalid(form: HTMLFormElement | undefined): void {
    form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus()
  }

  /**
   * Runs `check` (client-side mirror of the contract) and, when it passes, `action`.
   * The server stays the authority: its `errors` and `detail` replace anything shown.
   */
  async function submit(
    form: HTMLFormElement | undefined,
    check: () => FieldErrors<F>,
    action: () => Promise<void>,
  ): Promise<boolean> {
    if (pending()) return false
    reset()
    const local = check()
    if (Object.values(local).some((message) => message)) {
      setErrors(() => local)
      queueMicrotask(() => focusFirstInvalid(form))
      return false
    }
    setPending(true)
    try {
      await action()
      return true
    } catch (err) {
      showError(err)
      queueMicrotask(() => focusFirstInvalid(form))
      return false
    } finally {
      setPending(false)
    }
  }

  function clearError(field: F): void {
    if (errors()[field]) setErrors((current) => ({ ...current, [field]: undefined }))
  }

  return { errors, banner, more, pending, submit, clearError, reset, showError }
}
