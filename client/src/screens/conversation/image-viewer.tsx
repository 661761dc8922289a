// The photo viewer: a modal dialog over the conversation showing one photo at full size, with
// the conversation's other photos a key away (← →, Home, End, or a swipe), a download link,
// and Escape or × to close. Focus starts on the close button, stays in the dialog, and goes
// back to the photo in the log that is on screen at close (else to what opened it).
import {
  createContext,
  createEffect,
  createMemo,
  createSignal,
  createUniqueId,
  type JSX,
  on,
  Show,
  useContext,
} from 'solid-js'
import type { Attachment } from '../../../../protocol/api.ts'
import { attachmentUrl, previewUrl } from '../../chat/attachment-urls.ts'

export type ViewerImage = Pick<Attachment, 'id' | 'name' | 'width' | 'height' | 'thumbnail'>

interface Viewer {
  open(id: string): void
}

const ViewerContext = createContext<Viewer>()

/** Opens the viewer on a photo of this conversation; undefined outside a conversation. */
export const useImageViewer = () => useContext(ViewerContext)

/** A swipe this long (px), mostly sideways, moves to the next or previous photo. */
const SWIPE_PX = 50

/** `images`: the conversation's photos in the order of the log. */
export function ImageViewerProvider(props: { images: ViewerImage[]; children: JSX.Element }) {
  const [current, setCurrent] = createSignal<string | null>(null)
  let opener: HTMLElement | null = null
  const viewer: Viewer = {
    open(id) {
      opener = document.activeElement instanceof HTMLElement ? document.activeElement : null
      setCurrent(id)
    },
  }

  function close(): void {
    const id = current()
    setCurrent(null)
    // The photo now shown may not be the one that opened the viewer: its thumbnail gets focus when it is in the log.
    const thumb = id ? document.querySelector<HTMLElement>(`[data-attachment-id="${CSS.escape(id)}"]`) : null
    const target = thumb ?? (opener?.isConnected ? opener : null)
    target?.focus({ preventScroll: !thumb })
    if (thumb) thumb.scrollIntoView({ block: 'nearest' })
    opener = null
  }

  return (
    <ViewerContext.Provider value={viewer}>
      {props.children}
      <ImageViewer images={props.images} current={current()} onMove={setCurrent} onClose={close} />
    </ViewerContext.Provider>
  )
}

function ImageViewer(props: {
  images: ViewerImage[]
  current: string | null
  onMove: (id: string) => void
  onClose: () => void
}) {
  const id = `viewer-${createUniqueId()}`
  let dialog: HTMLDialogElement | undefined
  let closeButton: HTMLButtonElement | undefined
  const index = createMemo(() => (props.current === null ? -1 : props.images.findIndex((i) => i.id === props.current)))
  const image = () => props.images[index()]
  const [loaded, setLoaded] = createSignal(false)
  const [broken, setBroken] = createSignal(false)

  createEffect(() => {
    if (!dialog) return
    const show = index() >= 0
    if (show && !dialog.open) {
      dialog.showModal()
      closeButton?.focus()
    } else if (!show && dialog.open) dialog.close()
  })
  // The photo went away while shown (its message was deleted): the viewer closes.
  createEffect(() => {
    if (props.current !== null && index() < 0) props.onClose()
  })
  createEffect(
    on(
      () => props.current,
      () => {
        setLoaded(false)
        setBroken(false)
      },
    ),
  )
  // The neighbours load while this one is looked at, so moving on shows them at once.
  createEffect(() => {
    const i = index()
    if (i < 0) return
    for (const n of [props.images[i - 1], props.images[i + 1]]) if (n) new Image().src = attachmentUrl(n.id)
  })

  function move(step: number): void {
    const i = index()
    const next = props.images[Math.min(props.images.length - 1, Math.max(0, i + step))]
    if (next && next.id !== props.current) props.onMove(next.id)
  }

  function onKeyDown(event: KeyboardEvent): void {
    if (event.altKey || event.ctrlKey || event.metaKey) return
    const moves: Record<string, number> = {
      ArrowLeft: -1,
      ArrowRight: 1,
      Home: -props.images.length,
      End: props.images.length,
    }
    const step = moves[event.key]
    if (step === undefined) return
    event.preventDefault()
    move(step)
  }

  let swipeFrom: { x: number; y: number } | null = null
  /** The click that ends a swipe is not a click beside the photo. */
  let swiped = false

  return (
    <dialog
      ref={dialog}
      class="image-viewer"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-hint`}
      onCancel={(event) => {
        event.preventDefault()
        props.onClose()
      }}
      onKeyDown={onKeyDown}
      onClick={(event) => {
        // A click beside the photo closes, as on the backdrop of any viewer.
        const el = event.target as HTMLElement
        if (swiped) swiped = false
        else if (
          el === event.currentTarget ||
          el.classList.contains('viewer-stage') ||
          el.classList.contains('viewer-frame')
        ) {
          props.onClose()
        }
      }}
      onPointerDown={(event) => {
        swiped = false
        swipeFrom = event.pointerType === 'mouse' ? null : { x: event.clientX, y: event.clientY }
      }}
      onPointerUp={(event) => {
        if (!swipeFrom) return
        const dx = event.clientX - swipeFrom.x
        const dy = event.clientY - swipeFrom.y
        swipeFrom = null
        swiped = Math.abs(dx) >= SWIPE_PX && Math.abs(dx) > Math.abs(dy) * 1.5
        if (swiped) move(dx < 0 ? 1 : -1)
      }}
    >
      <Show when={image()}>
        {(img) => (
          <>
            <div class="viewer-bar">
              <p id={`${id}-title`} class="viewer-title" aria-live="polite">
                <span class="viewer-name">Photo: {img().name}</span>
                <Show when={props.images.length > 1}>
                  <span class="viewer-count">
                    {index() + 1} of {props.images.length}
                  </span>
                </Show>
              </p>
              <a
                class="viewer-action"
                href={attachmentUrl(img().id)}
                download={img().name}
                aria-label={`Download ${img().name}`}
              >
                <svg viewBox="0 0 20 20" width="20" height="20" aria-hidden="true">
                  <path
                    d="M10 3v10m-4-4 4 4 4-4M4 16h12"
                    fill="none"
                    stroke="currentColor"
                    stroke-width="1.8"
                    stroke-linecap="round"
                  />
                </svg>
                <span>Download</span>
              </a>
              <button
                ref={closeButton}
                type="button"
                class="viewer-action viewer-close"
                onClick={() => props.onClose()}
              >
                <span aria-hidden="true">×</span>
                <span class="visually-hidden">Close</span>
              </button>
            </div>
            <div class="viewer-stage">
              <Show when={props.images.length > 1}>
                <button
                  type="button"
                  class="viewer-step viewer-prev"
                  aria-disabled={index() === 0 ? 'true' : undefined}
                  onClick={() => move(-1)}
                >
                  <span aria-hidden="true">‹</span>
                  <span class="visually-hidden">Previous photo</span>
                </button>
              </Show>
              <div class="viewer-frame">
                <Show when={!broken()} fallback={<p class="viewer-problem">This photo could not be loaded.</p>}>
                  <Show when={!loaded()}>
                    <img class="viewer-placeholder" src={previewUrl(img())} alt="" aria-hidden="true" />
                  </Show>
                  <img
                    class="viewer-photo"
                    classList={{ 'viewer-photo-loading': !loaded() }}
                    src={attachmentUrl(img().id)}
                    alt={img().name}
                    width={img().width}
                    height={img().height}
                    onLoad={() => setLoaded(true)}
                    onError={() => setBroken(true)}
                  />
                </Show>
              </div>
              <Show when={props.images.length > 1}>
                <button
                  type="button"
                  class="viewer-step viewer-next"
                  aria-disabled={index() === props.images.length - 1 ? 'true' : undefined}
                  onClick={() => move(1)}
                >
                  <span aria-hidden="true">›</span>
                  <span class="visually-hidden">Next photo</span>
                </button>
              </Show>
            </div>
            <p id={`${id}-hint`} class="visually-hidden">
              Use the left and right arrow keys for the other photos of this conversation.
            </p>
          </>
        )}
      </Show>
    </dialog>
  )
}
