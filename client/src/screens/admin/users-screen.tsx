// Users: search by email or whole name words, a paged table, each row linking to its page.
import { A, useSearchParams } from '@solidjs/router'
import { createEffect, createResource, createSignal, For, on, Show } from 'solid-js'
import { ADMIN_PAGE_SIZE, listUsers } from '../../admin/admin-api.ts'
import { rememberUsers } from '../../admin/user-directory.ts'
import { formatDateTime, formatRelative } from '../../format-time.ts'
import { Button } from '../../ui/button.tsx'
import { usePageTitle } from '../../ui/page-title.ts'
import { Loaded } from './loaded.tsx'
import { Pager } from './pager.tsx'
import { oneParam, pageParam } from './search-params.ts'
import { TableScroll } from './table-scroll.tsx'
import { fullName, roleLabel, statusLabel } from './user-labels.ts'
import { Email } from './user-link.tsx'

export function UsersScreen() {
  usePageTitle(() => 'Users · Admin')
  const [params, setParams] = useSearchParams()
  const q = () => oneParam(params.q)
  const page = () => pageParam(params.page)
  const [result, { refetch }] = createResource(
    () => ({ q: q(), page: page() }),
    async (query) => {
      const found = await listUsers(query.q, query.page)
      rememberUsers(found.users)
      return found
    },
  )
  const [draft, setDraft] = createSignal(q())
  // Back and forward change ?q=; the box follows so it always shows what was searched.
  createEffect(on(q, (value) => setDraft(value), { defer: true }))

  const search = (event: SubmitEvent) => {
    event.preventDefault()
    setParams({ q: draft().trim() || undefined, page: undefined })
  }

  return (
    <div class="stack">
      <h1 class="page-title">Users</h1>
      <search>
        <form class="search-form" onSubmit={search}>
          <div class="field">
            <label for="user-search" class="field-label">
              Search users
            </label>
            <div class="search-row">
              <input
                id="user-search"
                class="field-input search-input"
                type="search"
                name="q"
                value={draft()}
                onInput={(event) => setDraft(event.currentTarget.value)}
                autocomplete="off"
                spellcheck={false}
                aria-describedby="user-search-hint"
              />
              <Button type="submit" variant="primary">
                Search
              </Button>
            </div>
            <p id="user-search-hint" class="field-hint">
              Part of an email, or whole words of a first or last name.
            </p>
          </div>
        </form>
      </search>
      <Loaded data={result} loading="Loading users…" onRetry={() => void refetch()}>
        {(found) => (
          <>
            <p class="muted" role="status">
              <Show when={q()} fallback="All users, newest first.">
                {found().total.toLocaleString()} {found().total === 1 ? 'user matches' : 'users match'} “{q()}”.{' '}
                <A href="/admin/users">Show all users</A>
              </Show>
            </p>
            <Show when={found().users.length > 0}>
              <TableScroll label="Users">
                <table class="admin-table">
                  <caption class="visually-hidden">Users, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Email</th>
                      <th scope="col">Name</th>
                      <th scope="col">Role</th>
                      <th scope="col">Status</th>
                      <th scope="col">Joined</th>
                      <th scope="col">Last sign-in</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={found().users}>
                      {(user) => (
                        <tr>
                          <th scope="row">
                            <A href={`/admin/users/${encodeURIComponent(user.id)}`}>
                              <Email email={user.email} />
                            </A>
                          </th>
                          <td>{fullName(user) || <span class="muted">—</span>}</td>
                          <td>{roleLabel(user)}</td>
                          <td>
                            <span class={user.isActive ? 'pill' : 'pill pill-off'}>{statusLabel(user)}</span>
                          </td>
                          <td>{formatDateTime(user.dateJoined)}</td>
                          <td>{user.lastLogin ? formatRelative(user.lastLogin) : <span class="muted">Never</span>}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </TableScroll>
            </Show>
            <Pager page={page()} pageSize={ADMIN_PAGE_SIZE} total={found().total} noun={['user', 'users']} />
          </>
        )}
      </Loaded>
    </div>
  )
}
