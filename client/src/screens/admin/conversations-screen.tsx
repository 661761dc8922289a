// Conversations: every room with its members, message count and last activity, paged.
import { A, useSearchParams } from '@solidjs/router'
import { createResource, For, Show } from 'solid-js'
import { ADMIN_PAGE_SIZE, listConversations } from '../../admin/admin-api.ts'
import { formatDateTime, formatRelative } from '../../format-time.ts'
import { usePageTitle } from '../../ui/page-title.ts'
import type { RoomState } from './conversation-screen.tsx'
import { Loaded } from './loaded.tsx'
import { Pager } from './pager.tsx'
import { pageParam } from './search-params.ts'
import { TableScroll } from './table-scroll.tsx'
import { UserLink, userEmail } from './user-link.tsx'

export function ConversationsScreen() {
  usePageTitle(() => 'Conversations · Admin')
  const [params] = useSearchParams()
  const page = () => pageParam(params.page)
  const [result, { refetch }] = createResource(page, (p) => listConversations(p))

  return (
    <div class="stack">
      <h1 class="page-title">Conversations</h1>
      <p class="muted">
        Most recent activity first. Message counts and times are gathered every few seconds, so the newest messages may
        not be counted yet.
      </p>
      <Loaded data={result} loading="Loading conversations…" onRetry={() => void refetch()}>
        {(found) => (
          <>
            <Show
              when={found().conversations.length > 0}
              fallback={<p class="card empty-state">No conversation holds a message yet.</p>}
            >
              <TableScroll label="Conversations">
                <table class="admin-table">
                  <caption class="visually-hidden">Conversations, most recent activity first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Members</th>
                      <th scope="col">Messages</th>
                      <th scope="col">Last activity</th>
                      <th scope="col">
                        <span class="visually-hidden">Stored messages</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={found().conversations}>
                      {(room) => (
                        <tr>
                          <th scope="row" class="members-cell">
                            <span class="member-pair">
                              <UserLink id={room.members[0]} />
                              <span class="muted" aria-hidden="true">
                                ↔
                              </span>
                              <span class="visually-hidden">and</span>
                              <UserLink id={room.members[1]} />
                            </span>
                          </th>
                          <td class="number">{room.messageCount.toLocaleString()}</td>
                          <td>
                            <time datetime={room.lastActivityAt} title={formatDateTime(room.lastActivityAt)}>
                              {formatRelative(room.lastActivityAt)}
                            </time>
                          </td>
                          <td>
                            <A
                              href={`/admin/conversations/${encodeURIComponent(room.roomId)}`}
                              state={{ members: room.members } satisfies RoomState}
                            >
                              View room
                              <span class="visually-hidden">
                                {' '}
                                of {userEmail(room.members[0])} and {userEmail(room.members[1])}
                              </span>
                            </A>
                          </td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </TableScroll>
            </Show>
            <Pager
              page={page()}
              pageSize={ADMIN_PAGE_SIZE}
              total={found().total}
              noun={['conversation', 'conversations']}
            />
          </>
        )}
      </Loaded>
    </div>
  )
}
