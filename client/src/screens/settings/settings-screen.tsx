// Settings: profile, password, notifications, privacy, signed-in sessions and signing out.
import { onMount } from 'solid-js'
import { NotificationSettings } from '../../notifications/notification-toggle.tsx'
import { usePageTitle } from '../../ui/page-title.ts'
import { DeleteAccount } from './delete-account.tsx'
import { PasswordForm } from './password-form.tsx'
import { PrivacySettings } from './privacy-settings.tsx'
import { ProfileForm } from './profile-form.tsx'
import { SessionsList } from './sessions-list.tsx'
import { createSessionsState } from './sessions-state.ts'
import { SignOutSection } from './sign-out-section.tsx'
import { YourData } from './your-data.tsx'

export function SettingsScreen() {
  usePageTitle(() => 'Settings')
  const sessions = createSessionsState()
  onMount(() => void sessions.refresh())
  return (
    <div class="stack">
      <h1 class="page-title">Settings</h1>
      <ProfileForm />
      <PasswordForm onChanged={() => void sessions.refresh()} />
      <NotificationSettings />
      <PrivacySettings />
      <SessionsList state={sessions} />
      <YourData />
      <SignOutSection />
      <DeleteAccount />
    </div>
  )
}
