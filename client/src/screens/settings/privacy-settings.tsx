// Settings → Privacy: the read receipts switch (PATCH /api/me { readReceipts }). It works both
// ways (CONTRACT.md: Read receipts), and the words next to it say so. Below it, the people one
// has blocked (blocked-people.tsx).
import { createSignal, createUniqueId } from 'solid-js'
import { updateProfile } from '../../accounts.ts'
import { ApiError } from '../../api.ts'
import { session, setSignedIn } from '../../session.ts'
import { SettingSwitch } from '../../ui/setting-switch.tsx'
import { StatusMessage } from '../../ui/status-message.tsx'
import { BlockedPeople } from './blocked-people.tsx'

export function PrivacySettings() {
  const id = `receipts-${createUniqueId()}`
  const on = () => session.user?.readReceipts !== false
  const [busy, setBusy] = createSignal(false)
  const [status, setStatus] = createSignal<string | null>(null)

  const onChange = async (input: HTMLInputElement) => {
    const wanted = input.checked
    if (busy()) {
      input.checked = on()
      return
    }
    setBusy(true)
    setStatus(null)
    try {
      const { user } = await updateProfile({ readReceipts: wanted })
      setSignedIn(user)
      setStatus(user.readReceipts ? 'Read receipts are on.' : 'Read receipts are off.')
    } catch (err) {
      setStatus(err instanceof ApiError ? err.problem.detail : 'The setting could not be saved. Please try again.')
    } finally {
      setBusy(false)
      // The switch shows what the server holds, not what was clicked.
      input.checked = on()
    }
  }

  return (
    <SettingSwitch
      id={id}
      heading="Privacy"
      label="Read receipts"
      checked={on()}
      busy={busy()}
      onChange={(input) => void onChange(input)}
      description="When read receipts are on, the people you talk to can see when you have read their messages. This works both ways: while yours are off, you cannot see when they have read yours either. Delivery ticks still show."
    >
      <StatusMessage message={status()} />
      <BlockedPeople />
    </SettingSwitch>
  )
}
