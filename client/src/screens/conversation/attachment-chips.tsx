// The files chosen for the next message, above the composer's field: each a chip with its
// preview or icon, its name, how far its upload is, and a × that stops it and takes it out.
import { For, Match, Show, Switch } from 'solid-js'
import { formatBytes, isInlineImage } from '../../chat/attachment-rules.ts'
import type { LocalFile } from '../../chat/conversation-store.ts'
import { FileIcon } from './file-card.tsx'
import { UploadProgress } from './upload-progress.tsx'

export function AttachmentChips(props: { files: LocalFile[]; onRemove: (localId: string) => void }) {
  return (
    <Show when={props.files.length > 0}>
      <ul class="composer-files" aria-label="Files to send">
        <For each={props.files}>
          {(file) => (
            <li class="file-chip" classList={{ 'file-chip-failed': file.status === 'failed' }}>
              <Show when={isInlineImage(file.type) && file.previewUrl} fallback={<FileIcon name={file.name} />}>
                {(src) => <img class="file-chip-thumb" src={src()} alt="" />}
              </Show>
              <span class="file-chip-text">
                <span class="file-chip-name">{file.name}</span>
                <Switch fallback={<UploadProgress file={file} />}>
                  <Match when={file.status === 'failed'}>
                    <span class="file-chip-problem" role="alert">
                      {file.problem}
                    </span>
                  </Match>
                  <Match when={file.status === 'uploaded'}>
                    <span class="file-chip-size">{formatBytes(file.size)}</span>
                  </Match>
                </Switch>
              </span>
              <button type="button" class="file-chip-remove" onClick={() => props.onRemove(file.localId)}>
                <span aria-hidden="true">×</span>
                <span class="visually-hidden">
                  {file.status === 'uploaded' || file.status === 'failed' ? 'Remove' : 'Cancel upload of'} {file.name}
                </span>
              </button>
            </li>
          )}
        </For>
      </ul>
    </Show>
  )
}
