// A message's files in its bubble: photos first (one in a box of its own shape, several in a
// grid of square tiles), each a button that opens the viewer, then the other files as cards with
// a download link. Boxes are sized from the width and height measured before upload, so the log
// does not jump when they load. A message not stored yet shows its files from this page, with
// their uploads.
import { createSignal, For, type JSX, Show } from 'solid-js'
import type { Attachment } from '../../../../protocol/api.ts'
import { type Box, isInlineImage, photoBox } from '../../chat/attachment-rules.ts'
import { previewUrl } from '../../chat/attachment-urls.ts'
import type { LocalFile } from '../../chat/conversation-store.ts'
import { FileCard, LocalFileCard } from './file-card.tsx'
import { useImageViewer } from './image-viewer.tsx'
import { UploadProgress } from './upload-progress.tsx'

/** A lone photo's box: its own shape. In a grid, tiles are square and fill their cell. */
function boxStyle(box: Box | null): JSX.CSSProperties | undefined {
  return box ? { width: `${box.width}px`, 'aspect-ratio': `${box.width} / ${box.height}` } : undefined
}

function Photo(props: { attachment: Attachment; box: Box | null }) {
  const viewer = useImageViewer()
  const [broken, setBroken] = createSignal(false)
  return (
    <button
      type="button"
      class="msg-photo"
      data-attachment-id={props.attachment.id}
      style={boxStyle(props.box)}
      aria-label={`Photo: ${props.attachment.name}`}
      onClick={(event) => {
        // The row's own click and long-press handling is for the bubble, not this.
        event.stopPropagation()
        viewer?.open(props.attachment.id)
      }}
    >
      <Show when={!broken()} fallback={<span class="msg-photo-broken">Photo not available</span>}>
        <img src={previewUrl(props.attachment)} alt="" decoding="async" onError={() => setBroken(true)} />
      </Show>
    </button>
  )
}

function LocalPhoto(props: { file: LocalFile; box: Box | null }) {
  return (
    <div
      class="msg-photo msg-photo-local"
      style={boxStyle(props.box)}
      role="img"
      aria-label={`Photo: ${props.file.name}`}
    >
      <Show when={props.file.previewUrl}>{(src) => <img src={src()} alt="" />}</Show>
      <span class="msg-photo-progress">
        <UploadProgress file={props.file} />
      </span>
    </div>
  )
}

export function AttachmentList(props: { attachments: Attachment[] | undefined; files: LocalFile[] | undefined }) {
  const stored = () => props.attachments ?? []
  const local = () => props.files ?? []
  const photos = () => stored().filter((a) => isInlineImage(a.type))
  const others = () => stored().filter((a) => !isInlineImage(a.type))
  const localPhotos = () => local().filter((f) => isInlineImage(f.type))
  const localOthers = () => local().filter((f) => !isInlineImage(f.type))
  const photoCount = () => photos().length + localPhotos().length
  const boxOf = (f: { width?: number | undefined; height?: number | undefined }) =>
    photoCount() === 1 ? photoBox(f.width, f.height) : null

  return (
    <Show when={stored().length + local().length > 0}>
      <div class="msg-attachments">
        <Show when={photoCount() > 0}>
          <div class="msg-photos" classList={{ 'msg-photos-grid': photoCount() > 1 }}>
            <For each={photos()}>{(a) => <Photo attachment={a} box={boxOf(a)} />}</For>
            <For each={localPhotos()}>{(f) => <LocalPhoto file={f} box={boxOf(f)} />}</For>
          </div>
        </Show>
        <For each={others()}>{(a) => <FileCard attachment={a} />}</For>
        <For each={localOthers()}>{(f) => <LocalFileCard file={f} />}</For>
      </div>
    </Show>
  )
}
