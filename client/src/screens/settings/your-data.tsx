// Settings → Your data: "Download my data" (GET /api/me/export) with how much has arrived
// while it is prepared, then the file saved by the browser.
import { createSignal, onCleanup, Show } from 'solid-js'
import { ApiError } from '../../api.ts'
import { Button } from '../../ui/button.tsx'
import { FormError } from '../../ui/form-error.tsx'
import { StatusMessage } from '../../ui/status-message.tsx'
import { type DownloadProgress, fetchExport, formatBytes, saveFile } from './data-download.ts'

const count = (n: number, one: string, many: string) => `${n.toLocaleString()} ${n === 1 ? one : many}`

export function YourData() {
  const [progress, setProgress] = createSignal<DownloadProgress | null>(null)
  const [failure, setFailure] = createSignal<string | null>(null)
  const [status, setStatus] = createSignal<string | null>(null)
  let abort: AbortController | undefined
  onCleanup(() => abort?.abort())

  const received = (p: DownloadProgress) =>
    `${count(p.messages, 'message', 'messages')} received so far (${formatBytes(p.bytes)})`

  async function onDownload(): Promise<void> {
    abort = new AbortController()
    setFailure(null)
    setStatus('Preparing your data…')
    setProgress({ bytes: 0, messages: 0 })
    try {
      const file = await fetchExport(setProgress, abort.signal)
      saveFile(file.blob, file.name)
      setStatus(
        `Your data is downloaded as ${file.name}: ${count(file.messages, 'message', 'messages')}, ${formatBytes(file.blob.size)}.`,
      )
    } catch (err) {
      setStatus(null)
      setFailure(err instanceof ApiError ? err.problem.detail : 'Your data could not be downloaded. Please try again.')
    } finally {
      setProgress(null)
    }
  }

  return (
    <section class="card" aria-labelledby="your-data-heading">
      <h2 id="your-data-heading" class="card-title">
        Your data
      </h2>
      <p class="muted">
        Download everything Parley keeps about you: your profile, your signed-in sessions, the people you blocked, and
        every conversation with all its messages, as one JSON file. Attached files are listed in their messages; open a
        conversation to download them.
      </p>
      <FormError message={failure()} />
      <Show when={progress()}>
        {(p) => (
          <p class="muted" role="progressbar" aria-label="Preparing your data" aria-valuetext={received(p())}>
            {received(p())}
          </p>
        )}
      </Show>
      <StatusMessage message={status()} />
      <div class="form-actions">
        <Button
          variant="secondary"
          pending={progress() !== null}
          pendingLabel="Preparing…"
          onClick={() => void onDownload()}
        >
          Download my data
        </Button>
      </div>
    </section>
  )
}
