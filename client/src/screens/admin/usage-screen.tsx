// Usage: this instance's billed requests, rows and storage this month, and the estimated
// Workers Paid bill, from the counters the Worker and the objects flush to D1 in batches.
import { createResource, For, Show } from 'solid-js'
import type { AdminUsage } from '../../../../protocol/admin-usage.ts'
import { getUsage } from '../../admin/admin-api.ts'
import { formatAmount, formatUsd } from '../../admin/usage-format.ts'
import { Button } from '../../ui/button.tsx'
import { usePageTitle } from '../../ui/page-title.ts'
import { Loaded } from './loaded.tsx'
import { TableScroll } from './table-scroll.tsx'

const SOURCE_LABELS: Record<string, string> = {
  workers: 'Workers',
  durableObjects: 'Durable Objects',
  d1: 'D1',
  r2: 'R2',
  webSocketRatio: 'WebSocket billing ratio',
}

/** "December 2026" for "2026-12". */
function monthName(month: string): string {
  const [y, m] = month.split('-').map(Number)
  return new Date(Date.UTC(y!, m! - 1, 1)).toLocaleDateString('en-US', {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  })
}

export function UsageScreen() {
  usePageTitle(() => 'Usage · Admin')
  const [usage, { refetch }] = createResource(getUsage)
  return (
    <div class="stack">
      <div class="title-row">
        <h1 class="page-title">Usage</h1>
        <Button variant="secondary" pending={usage.loading} pendingLabel="Refreshing…" onClick={() => void refetch()}>
          Refresh
        </Button>
      </div>
      <p class="muted">
        What this instance was billed for this month so far, counted by the Worker and the Durable Objects themselves,
        and what that comes to on Workers Paid: an estimate to see the cost coming, not the invoice.
      </p>
      <Loaded data={usage} loading="Adding up this month…" onRetry={() => void refetch()}>
        {(data) => (
          <div class="stack">
            <UsageTable data={data()} />
            <About data={data()} />
          </div>
        )}
      </Loaded>
    </div>
  )
}

function UsageTable(props: { data: AdminUsage }) {
  return (
    <section class="card" aria-labelledby="usage-heading">
      <div class="card-heading">
        <h2 id="usage-heading" class="card-title">
          {monthName(props.data.month)}
        </h2>
        <p class="muted">Prices as of {props.data.pricesAsOf}</p>
      </div>
      <TableScroll label="Usage this month">
        <table class="admin-table usage-table">
          <caption class="visually-hidden">
            Billed amounts this month, what Workers Paid includes, and the estimated cost beyond it
          </caption>
          <thead>
            <tr>
              <th scope="col">Meter</th>
              <th scope="col" class="number">
                This month
              </th>
              <th scope="col" class="number">
                Included
              </th>
              <th scope="col" class="number">
                Estimated
              </th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">Workers Paid base</th>
              <td class="number">—</td>
              <td class="number">—</td>
              <td class="number">{formatUsd(props.data.baseUsd)}</td>
            </tr>
            <For each={props.data.meters}>
              {(m) => (
                <tr data-meter={m.id}>
                  <th scope="row">
                    {m.label}
                    <Show when={m.approximate}>
                      {' '}
                      <span class="muted">(approximate)</span>
                    </Show>
                  </th>
                  <td class="number">{formatAmount(m, m.amount)}</td>
                  <td class="number">{formatAmount(m, m.included)}</td>
                  <td class="number">{formatUsd(m.usd)}</td>
                </tr>
              )}
            </For>
            <tr class="usage-total">
              <th scope="row">Estimated bill</th>
              <td class="number">—</td>
              <td class="number">—</td>
              <td class="number">
                <strong>{formatUsd(props.data.totalUsd)}</strong>
              </td>
            </tr>
          </tbody>
        </table>
      </TableScroll>
    </section>
  )
}

function About(props: { data: AdminUsage }) {
  return (
    <section class="card" aria-labelledby="usage-about-heading">
      <h2 id="usage-about-heading" class="card-title">
        How this is counted
      </h2>
      <p>
        Each Durable Object counts its requests (upgrades, calls, alarms, and incoming WebSocket messages at 1 in 20),
        the SQLite rows its queries read and wrote, and its alarms, and sends them with its database size to D1 in one
        batch every few seconds while it works, never one per message. The Worker counts its requests and the D1 rows
        its queries report, and sends them at most every 30 seconds.
      </p>
      <p>
        Marked approximate: the Worker's counts (a Worker instance stopped before it sends loses its last 30 seconds),
        D1 rows (reads that return no row count are counted by the rows they return), and storage (billed on the month's
        average; shown is what is stored now, attachments by their size before encryption).
      </p>
      <p>Not counted: {props.data.notCounted.join('; ')}.</p>
      <p>
        Prices as of {props.data.pricesAsOf}, from Cloudflare's pricing pages:{' '}
        <For each={Object.entries(props.data.priceSources)}>
          {([key, url], i) => (
            <>
              {i() > 0 ? ', ' : ''}
              <a href={url.split(' ')[0]} rel="noreferrer" target="_blank">
                {SOURCE_LABELS[key] ?? key}
              </a>
            </>
          )}
        </For>
        .
      </p>
    </section>
  )
}
