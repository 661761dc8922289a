// How far a file's upload is: a bar while it goes, a word while it waits. Nothing once it is
// uploaded; a failure is said by what holds the file (the chip, or the message's "Not sent").
import { Match, Switch } from 'solid-js'
import type { LocalFile } from '../../chat/conversation-store.ts'

export function UploadProgress(props: { file: LocalFile }) {
  const percent = () => Math.round(props.file.progress * 100)
  return (
    <Switch>
      <Match when={props.file.status === 'uploading' || props.file.status === 'queued'}>
        <span
          class="upload-bar"
          role="progressbar"
          aria-label={`Uploading ${props.file.name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent()}
        >
          {/* CSSOM writes are allowed by the CSP (style-src 'self'); style attributes in markup are not. */}
          <span class="upload-bar-fill" style={{ width: `${percent()}%` }} />
        </span>
      </Match>
      <Match when={props.file.status === 'preparing'}>
        <span class="upload-note">Preparing…</span>
      </Match>
      <Match when={props.file.status === 'waiting'}>
        <span class="upload-note">{props.file.problem ?? 'Waiting…'}</span>
      </Match>
    </Switch>
  )
}
