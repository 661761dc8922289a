// Keys: each Fernet key in FERNET_KEYS by fingerprint, how many stored tokens it opens, and
// re-encryption with the primary key (superusers start it), with its progress while it runs.
import { createEffect, createResource, createSignal, For, onCleanup, Show } from 'solid-js'
import type { KeysStatus } from '../../../../protocol/api.ts'
import { getKeys, reencryptKeys } from '../../admin/admin-api.ts'
import { ApiError } from '../../api.ts'
import { formatDateTime } from '../../format-time.ts'
import { session } from '../../session.ts'
import { Button } from '../../ui/button.tsx'
import { usePageTitle } from '../../ui/page-title.ts'
import { Loaded } from './loaded.tsx'
import { TableScroll } from './table-scroll.tsx'

/** How often the screen asks again while a pass runs. */
const POLL_MS = 1_000

const plural = (n: number, one: string) => `${n.toLocaleString()} ${one}${n === 1 ? '' : 's'}`

export function KeysScreen() {
  usePageTitle(() => 'Keys · Admin')
  const [report, { refetch, mutate }] = createResource(getKeys)
  const [starting, setStarting] = createSignal(false)
  const [error, setError] = createSignal<string | null>(null)
  const superuser = () => session.user?.isSuperuser === true

  let timer: ReturnType<typeof setTimeout> | undefined
  createEffect(() => {
    const r = report.state === 'errored' ? undefined : report.latest
    clearTimeout(timer)
    if (r && (r.reencryption.state === 'running' || r.census.counting))
      timer = setTimeout(() => void refetch(), POLL_MS)
  })
  onCleanup(() => clearTimeout(timer))

  const start = async () => {
    setStarting(true)
    setError(null)
    try {
      mutate(await reencryptKeys())
    } catch (err) {
      setError(err instanceof ApiError ? err.problem.detail : 'Re-encryption could not be started. Please try again.')
    } finally {
      setStarting(false)
    }
  }

  return (
    <div class="stack">
      <div class="title-row">
        <h1 class="page-title">Keys</h1>
        <Button variant="secondary" pending={report.loading} pendingLabel="Refreshing…" onClick={() => void refetch()}>
          Refresh
        </Button>
      </div>
      <p class="muted">
        Stored messages, names and files are sealed with the first key in <code>FERNET_KEYS</code>, the primary; the
        others only open what they sealed before. A fingerprint is the start of the key's SHA-256:{' '}
        <code>printf %s "$KEY" | sha256sum | cut -c1-8</code>.
      </p>
      <Loaded data={report} loading="Counting stored tokens…" onRetry={() => void refetch()}>
        {(data) => (
          <div class="stack">
            <KeyTable data={data()} />
            <section class="card" aria-labelledby="reencrypt-heading">
              <h2 id="reencrypt-heading" class="card-title">
                Re-encryption
              </h2>
              <Progress data={data()} />
              <Show when={error()}>
                {(message) => (
                  <p class="form-error" role="alert">
                    {message()}
                  </p>
                )}
              </Show>
              <div class="form-actions">
                <Button
                  variant="primary"
                  class="keys-start"
                  disabled={!superuser()}
                  aria-describedby={superuser() ? undefined : 'reencrypt-why'}
                  pending={starting() || data().reencryption.state === 'running'}
                  pendingLabel={starting() ? 'Starting…' : 'Re-encrypting…'}
                  onClick={() => void start()}
                >
                  Re-encrypt with the primary key
                </Button>
                <Show when={!superuser()}>
                  <p id="reencrypt-why" class="muted">
                    Only a superuser can start re-encryption.
                  </p>
                </Show>
              </div>
            </section>
          </div>
        )}
      </Loaded>
    </div>
  )
}

function KeyTable(props: { data: KeysStatus }) {
  const census = () => props.data.census
  return (
    <section class="card" aria-labelledby="keys-heading">
      <div class="card-heading">
        <h2 id="keys-heading" class="card-title">
          Keys in FERNET_KEYS
        </h2>
        <p class="muted" role="status">
          {census().counting
            ? 'Counting…'
            : census().takenAt
              ? `Counted ${formatDateTime(census().takenAt!)}`
              : 'Not counted yet'}
        </p>
      </div>
      <TableScroll label="Keys">
        <table class="admin-table">
          <caption class="visually-hidden">Keys, the primary first, with the stored tokens each opens</caption>
          <thead>
            <tr>
              <th scope="col">Fingerprint</th>
              <th scope="col">Role</th>
              <th scope="col">Tokens</th>
            </tr>
          </thead>
          <tbody>
            <For each={props.data.keys}>
              {(key) => (
                <tr>
                  <th scope="row" class="mono">
                    {key.fingerprint}
                  </th>
                  <td>
                    <Show when={key.primary} fallback={<span class="muted">Older key</span>}>
                      <span class="badge">Primary</span>
                    </Show>
                  </td>
                  <td>{key.tokens.toLocaleString()}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </TableScroll>
      <Show when={census().unreadable > 0}>
        <p class="notice">
          {plural(census().unreadable, 'stored token')} open with no key in FERNET_KEYS: they were sealed with a key
          that is no longer there, and stay as they are.
        </p>
      </Show>
      <p class="muted">
        On a large instance the counts are as of the last pass; they are taken again when this screen is opened more
        than 24 hours after it, or under other keys. New tokens always use the primary key.
      </p>
    </section>
  )
}

function Progress(props: { data: KeysStatus }) {
  const r = () => props.data.reencryption
  const percent = () => (r().total > 0 ? Math.min(100, Math.floor((r().done / r().total) * 100)) : 0)
  const older = () => props.data.keys.filter((k) => !k.primary)
  const removable = () => older().length > 0 && older().every((k) => k.tokens === 0) && !props.data.census.counting
  return (
    <>
      <Show when={r().state === 'running'}>
        <div class="stack">
          <span
            class="upload-bar keys-progress"
            role="progressbar"
            aria-label="Re-encryption progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent()}
            aria-valuetext={`${percent()}%: ${r().done.toLocaleString()} of ${r().total.toLocaleString()}`}
          >
            <span class="upload-bar-fill" style={{ width: `${percent()}%` }} />
          </span>
          <p role="status">
            Re-encrypting: {r().done.toLocaleString()} of {r().total.toLocaleString()} done ({percent()}%), counting
            accounts, audit entries, conversations and inboxes. Chat goes on meanwhile, and it resumes by itself after a
            restart or a deploy.
          </p>
        </div>
      </Show>
      <Show when={r().state === 'done'}>
        <p role="status">
          Finished {formatDateTime(r().finishedAt!)}: every stored token is sealed with the primary key.{' '}
          <Show when={removable()} fallback={older().length === 0 ? 'FERNET_KEYS holds only the primary key.' : ''}>
            The older key{older().length === 1 ? '' : 's'} (
            <span class="mono">
              {older()
                .map((k) => k.fingerprint)
                .join(', ')}
            </span>
            ) can now be removed from FERNET_KEYS.
          </Show>
        </p>
      </Show>
      <Show when={r().state === 'idle'}>
        <p>
          Re-encryption seals every stored token made with an older key again with the primary key, conversation by
          conversation, in the background. Once it is done the older keys can be removed from FERNET_KEYS.
        </p>
      </Show>
    </>
  )
}
