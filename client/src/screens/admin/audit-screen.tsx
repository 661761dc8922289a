// Audit log: every admin write and every look at stored messages, newest first, filterable.
import { A, useSearchParams } from '@solidjs/router'
import { createResource, For, Match, Show, Switch } from 'solid-js'
import { ADMIN_PAGE_SIZE, type AuditEntry, listAudit } from '../../admin/admin-api.ts'
import { describeAction, describeChanges, describeNoActor } from '../../admin/describe-audit.ts'
import { formatDateTime, formatRelative } from '../../format-time.ts'
import { usePageTitle } from '../../ui/page-title.ts'
import { type AuditFilter, AuditFilterForm } from './audit-filter-form.tsx'
import { Loaded } from './loaded.tsx'
import { Pager } from './pager.tsx'
import { oneParam, pageParam } from './search-params.ts'
import { TableScroll } from './table-scroll.tsx'
import { UserLink } from './user-link.tsx'

function Target(props: { entry: AuditEntry }) {
  return (
    <Switch fallback={<span class="mono">{props.entry.targetId}</span>}>
      <Match when={props.entry.targetType === 'user'}>
        <UserLink id={props.entry.targetId} />
      </Match>
      <Match when={props.entry.targetType === 'conversation'}>
        <A href={`/admin/conversations/${encodeURIComponent(props.entry.targetId)}`}>
          Conversation {props.entry.targetId.slice(0, 8)}…
        </A>
      </Match>
      <Match when={props.entry.targetType === 'keys'}>
        <A href="/admin/keys">
          Keys (primary <span class="mono">{props.entry.targetId}</span>)
        </A>
      </Match>
    </Switch>
  )
}

export function AuditScreen() {
  usePageTitle(() => 'Audit log · Admin')
  const [params, setParams] = useSearchParams()
  const filter = (): AuditFilter => ({ actorId: oneParam(params.actorId), targetId: oneParam(params.targetId) })
  const page = () => pageParam(params.page)
  const [result, { refetch }] = createResource(
    () => ({ ...filter(), page: page() }),
    (query) => listAudit({ actorId: query.actorId, targetId: query.targetId }, query.page),
  )
  const apply = (next: AuditFilter) =>
    setParams({ actorId: next.actorId || undefined, targetId: next.targetId || undefined, page: undefined })

  return (
    <div class="stack">
      <h1 class="page-title">Audit log</h1>
      <p class="muted">Every change made here and every look at stored messages, newest first. It cannot be edited.</p>
      <AuditFilterForm filter={filter()} onApply={apply} />
      <Loaded data={result} loading="Loading the audit log…" onRetry={() => void refetch()}>
        {(found) => (
          <>
            <Show when={found().entries.length > 0} fallback={<p class="card empty-state">No audit entries match.</p>}>
              <TableScroll label="Audit log">
                <table class="admin-table">
                  <caption class="visually-hidden">Audit entries, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Actor</th>
                      <th scope="col">Action</th>
                      <th scope="col">Target</th>
                      <th scope="col">Details</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={found().entries}>
                      {(entry) => (
                        <tr class="audit-row">
                          <th scope="row">
                            <time datetime={entry.at} title={formatDateTime(entry.at)}>
                              {formatRelative(entry.at)}
                            </time>
                          </th>
                          <td>
                            <Show when={entry.actorId} fallback={<span class="muted">{describeNoActor(entry)}</span>}>
                              {(actorId) => <UserLink id={actorId()} />}
                            </Show>
                          </td>
                          <td class="audit-action">{describeAction(entry)}</td>
                          <td>
                            <Target entry={entry} />
                          </td>
                          <td class="wrap">
                            <ul class="change-list">
                              <For each={describeChanges(entry)}>{(line) => <li>{line}</li>}</For>
                            </ul>
                          </td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </TableScroll>
            </Show>
            <Pager page={page()} pageSize={ADMIN_PAGE_SIZE} total={found().total} noun={['entry', 'entries']} />
          </>
        )}
      </Loaded>
    </div>
  )
}
