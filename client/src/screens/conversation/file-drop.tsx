// Files dragged onto an open conversation join the next message. While files are dragged over
// it the conversation says so; folders are left out (their contents would not come along).
import { createSignal, onCleanup, Show } from 'solid-js'

export interface DroppedFiles {
  files: File[]
  folders: number
}

const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false

function droppedFiles(data: DataTransfer): DroppedFiles {
  const files: File[] = []
  let folders = 0
  const items = [...data.items].filter((item) => item.kind === 'file')
  if (items.length === 0) return { files: [...data.files], folders }
  for (const item of items) {
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null
    if (entry?.isDirectory) {
      folders++
      continue
    }
    const file = item.getAsFile()
    if (file) files.push(file)
  }
  return { files, folders }
}

/** `target` goes on the element files may be dropped on; `active` is true while they are dragged over it. */
export function createFileDrop(onDrop: (dropped: DroppedFiles) => void, enabled: () => boolean) {
  const [active, setActive] = createSignal(false)
  // dragenter and dragleave come for every child crossed: only the outermost pair counts.
  let depth = 0

  function target(el: HTMLElement): void {
    const enter = (event: DragEvent) => {
      if (!carriesFiles(event) || !enabled()) return
      event.preventDefault()
      depth++
      setActive(true)
    }
    const over = (event: DragEvent) => {
      if (!carriesFiles(event) || !enabled()) return
      event.preventDefault()
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy'
    }
    const leave = (event: DragEvent) => {
      if (!carriesFiles(event)) return
      depth = Math.max(0, depth - 1)
      if (depth === 0) setActive(false)
    }
    const drop = (event: DragEvent) => {
      depth = 0
      setActive(false)
      if (!carriesFiles(event) || !enabled() || !event.dataTransfer) return
      event.preventDefault()
      const dropped = droppedFiles(event.dataTransfer)
      if (dropped.files.length > 0 || dropped.folders > 0) onDrop(dropped)
    }
    el.addEventListener('dragenter', enter)
    el.addEventListener('dragover', over)
    el.addEventListener('dragleave', leave)
    el.addEventListener('drop', drop)
    onCleanup(() => {
      el.removeEventListener('dragenter', enter)
      el.removeEventListener('dragover', over)
      el.removeEventListener('dragleave', leave)
      el.removeEventListener('drop', drop)
    })
  }

  return { active, target }
}

export const FOLDERS_REFUSED = 'Folders cannot be sent: choose the files inside them instead.'

export function DropOverlay(props: { active: boolean; peerName: string }) {
  return (
    <Show when={props.active}>
      <div class="drop-overlay" aria-hidden="true">
        <p class="drop-overlay-text">Drop files to send them to {props.peerName}</p>
      </div>
    </Show>
  )
}
