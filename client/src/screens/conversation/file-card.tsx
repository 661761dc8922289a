// A file that is not a photo, in a message: an icon with its extension, its name and size, and
// a download link (CONTRACT.md: GET /api/attachments/:id answers with content-disposition).
// While its message is being sent, the card shows the upload instead of the link.
import { Show } from 'solid-js'
import type { Attachment } from '../../../../protocol/api.ts'
import { fileExtension, formatBytes } from '../../chat/attachment-rules.ts'
import { attachmentUrl } from '../../chat/attachment-urls.ts'
import type { LocalFile } from '../../chat/conversation-store.ts'
import { UploadProgress } from './upload-progress.tsx'

export function FileIcon(props: { name: string }) {
  return (
    <span class="file-icon" aria-hidden="true">
      <svg viewBox="0 0 24 28" width="28" height="32" aria-hidden="true">
        <path
          d="M3 2.5A1.5 1.5 0 0 1 4.5 1H15l6 6v18.5a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 25.5z"
          fill="currentColor"
          opacity="0.16"
        />
        <path d="M15 1v6h6" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" />
        <path
          d="M3 2.5A1.5 1.5 0 0 1 4.5 1H15l6 6v18.5a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 25.5z"
          fill="none"
          stroke="currentColor"
          stroke-width="1.5"
          stroke-linejoin="round"
        />
      </svg>
      <Show when={fileExtension(props.name)}>{(ext) => <span class="file-icon-ext">{ext()}</span>}</Show>
    </span>
  )
}

export function FileCard(props: { attachment: Attachment }) {
  const size = () => formatBytes(props.attachment.size)
  return (
    <a
      class="file-card"
      href={attachmentUrl(props.attachment.id)}
      download={props.attachment.name}
      aria-label={`Download ${props.attachment.name}, ${size()}`}
      // The bubble's own taps (long press, swipe) are not for the link.
      onClick={(event) => event.stopPropagation()}
    >
      <FileIcon name={props.attachment.name} />
      <span class="file-card-text">
        <span class="file-card-name">{props.attachment.name}</span>
        <span class="file-card-size">{size()}</span>
      </span>
      <svg class="file-card-download" viewBox="0 0 20 20" width="20" height="20" aria-hidden="true">
        <path
          d="M10 3v10m-4-4 4 4 4-4M4 16h12"
          fill="none"
          stroke="currentColor"
          stroke-width="1.8"
          stroke-linecap="round"
        />
      </svg>
    </a>
  )
}

/** A file of a message not stored yet: what it is, and how far its upload is. */
export function LocalFileCard(props: { file: LocalFile }) {
  return (
    <div class="file-card file-card-local">
      <FileIcon name={props.file.name} />
      <span class="file-card-text">
        <span class="file-card-name">{props.file.name}</span>
        <span class="file-card-size">{formatBytes(props.file.size)}</span>
        <UploadProgress file={props.file} />
      </span>
    </div>
  )
}
