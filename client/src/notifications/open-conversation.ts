// Which conversation is on screen, so alerts for it can be skipped while the person reads it.
import { createSignal } from 'solid-js'

const [openPeer, setOpenPeer] = createSignal<string | null>(null)

export { openPeer, setOpenPeer }
