// Activity: totals and messages per hour over the last day and week.
import { createResource } from 'solid-js'
import { getActivity } from '../../admin/admin-api.ts'
import { HourlyChart } from '../../admin/hourly-chart.tsx'
import { Button } from '../../ui/button.tsx'
import { usePageTitle } from '../../ui/page-title.ts'
import { Loaded } from './loaded.tsx'

export function ActivityScreen() {
  usePageTitle(() => 'Activity · Admin')
  const [activity, { refetch }] = createResource(getActivity)
  const total = (data: { count: number }[]) => data.reduce((sum, d) => sum + d.count, 0).toLocaleString()

  return (
    <div class="stack">
      <div class="title-row">
        <h1 class="page-title">Activity</h1>
        <Button
          variant="secondary"
          pending={activity.loading}
          pendingLabel="Refreshing…"
          onClick={() => void refetch()}
        >
          Refresh
        </Button>
      </div>
      <Loaded data={activity} loading="Loading activity…" onRetry={() => void refetch()}>
        {(data) => (
          <div class="stack">
            <dl class="stats">
              <div class="stat">
                <dt>Users</dt>
                <dd>{data().totalUsers.toLocaleString()}</dd>
              </div>
              <div class="stat">
                <dt>Active in the last 24 hours</dt>
                <dd>{data().activeUsers24h.toLocaleString()}</dd>
              </div>
              <div class="stat">
                <dt>Conversations</dt>
                <dd>{data().totalConversations.toLocaleString()}</dd>
              </div>
            </dl>
            <section class="card" aria-labelledby="chart-day-heading">
              <div class="card-heading">
                <h2 id="chart-day-heading" class="card-title">
                  Messages per hour, last 24 hours
                </h2>
                <p class="muted">{total(data().messagesPerHour)} in all</p>
              </div>
              <HourlyChart title="Messages per hour, last 24 hours" data={data().messagesPerHour} span="day" />
            </section>
            <section class="card" aria-labelledby="chart-week-heading">
              <div class="card-heading">
                <h2 id="chart-week-heading" class="card-title">
                  Messages per hour, last 7 days
                </h2>
                <p class="muted">{total(data().messagesPerHour7d)} in all</p>
              </div>
              <HourlyChart title="Messages per hour, last 7 days" data={data().messagesPerHour7d} span="week" />
            </section>
            <p>
              {data().retentionDays > 0
                ? `Retention: messages older than ${data().retentionDays.toLocaleString()} day${data().retentionDays === 1 ? '' : 's'} are destroyed, with their attachments, within an hour of expiring (RETENTION_DAYS).`
                : 'Retention: messages are kept forever (RETENTION_DAYS is 0).'}
            </p>
            <p class="muted">
              Hours are shown in your time zone. Counts are gathered every few seconds, so the last few messages may not
              be counted yet.
            </p>
          </div>
        )}
      </Loaded>
    </div>
  )
}
