// One user: who they are, the edit form, and their trail in the audit log.
import { A, useParams } from '@solidjs/router'
import { createResource, Show } from 'solid-js'
import { type AdminUser, getUser } from '../../admin/admin-api.ts'
import { rememberUsers } from '../../admin/user-directory.ts'
import { formatDateTime } from '../../format-time.ts'
import { usePageTitle } from '../../ui/page-title.ts'
import { Loaded } from './loaded.tsx'
import { UserEditForm } from './user-edit-form.tsx'
import { fullName, roleLabel, statusLabel } from './user-labels.ts'

export function UserScreen() {
  const params = useParams<{ id: string }>()
  const [user, { mutate, refetch }] = createResource(
    () => params.id,
    async (id) => (await getUser(id)).user,
  )
  const email = () => (user.state === 'ready' || user.state === 'refreshing' ? user.latest.email : undefined)
  usePageTitle(() => `${email() ?? 'User'} · Admin`)

  const saved = (updated: AdminUser) => {
    mutate(updated)
    rememberUsers([updated])
  }

  return (
    <div class="stack">
      <p>
        <A href="/admin/users" class="back-link">
          All users
        </A>
      </p>
      <h1 class="page-title page-title-wrap">{email() ?? 'User'}</h1>
      <Loaded data={user} loading="Loading this user…" onRetry={() => void refetch()}>
        {(current) => (
          <div class="stack">
            <section class="card" aria-labelledby="user-facts-heading">
              <h2 id="user-facts-heading" class="card-title">
                Account
              </h2>
              <dl class="facts">
                <dt>Name</dt>
                <dd>{fullName(current()) || <span class="muted">No name given</span>}</dd>
                <dt>Role</dt>
                <dd>{roleLabel(current())}</dd>
                <dt>Status</dt>
                <dd>
                  <span class={current().isActive ? 'pill' : 'pill pill-off'}>{statusLabel(current())}</span>
                </dd>
                <dt>Joined</dt>
                <dd>{formatDateTime(current().dateJoined)}</dd>
                <dt>Last sign-in</dt>
                <dd>{current().lastLogin ? formatDateTime(current().lastLogin!) : 'Never'}</dd>
                <dt>User id</dt>
                <dd class="mono">{current().id}</dd>
              </dl>
            </section>
            {/* Keyed by id: moving to another user starts a fresh form, a save does not. */}
            <Show when={current().id} keyed>
              <UserEditForm user={current()} onSaved={saved} />
            </Show>
            <section class="card" aria-labelledby="user-audit-heading">
              <h2 id="user-audit-heading" class="card-title">
                Audit log
              </h2>
              <ul class="link-list">
                <li>
                  <A href={`/admin/audit?targetId=${encodeURIComponent(current().id)}`}>Changes to this user</A>
                </li>
                <Show when={current().isStaff}>
                  <li>
                    <A href={`/admin/audit?actorId=${encodeURIComponent(current().id)}`}>Actions by this user</A>
                  </li>
                </Show>
              </ul>
            </section>
          </div>
        )}
      </Loaded>
    </div>
  )
}
