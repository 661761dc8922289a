// Touch gestures on a bubble: a long press opens its actions, a swipe to the right starts a
// reply (the bubble follows the finger a little, then springs back). Mouse and pen input are
// left alone: on a desktop, actions come from hover and the keyboard.

export const LONG_PRESS_MS = 500
/** A finger that moves further than this is scrolling or swiping, not pressing. */
const SLOP_PX = 10
/** How far right a swipe must go to start a reply, and how far the bubble follows. */
export const SWIPE_REPLY_PX = 64
const SWIPE_MAX_PX = 88

export interface TouchGestureHandlers {
  onLongPress: () => void
  onSwipeRight: () => void
}

export function attachTouchGestures(el: HTMLElement, handlers: TouchGestureHandlers): () => void {
  let start: { x: number; y: number; id: number } | null = null
  let timer: ReturnType<typeof setTimeout> | undefined
  let swiping = false
  let pressed = false

  function settle(): void {
    clearTimeout(timer)
    start = null
    if (swiping) {
      el.classList.remove('msg-swiping')
      el.style.transform = ''
    }
    swiping = false
  }

  function onDown(event: PointerEvent): void {
    if (event.pointerType !== 'touch' || !event.isPrimary) return
    pressed = false
    start = { x: event.clientX, y: event.clientY, id: event.pointerId }
    clearTimeout(timer)
    timer = setTimeout(() => {
      pressed = true
      start = null
      navigator.vibrate?.(10)
      handlers.onLongPress()
    }, LONG_PRESS_MS)
  }

  function onMove(event: PointerEvent): void {
    if (!start || event.pointerId !== start.id) return
    const dx = event.clientX - start.x
    const dy = event.clientY - start.y
    if (!swiping) {
      const vertical = Math.abs(dy) > SLOP_PX && Math.abs(dy) >= Math.abs(dx)
      const left = dx < -SLOP_PX
      if (vertical || left) {
        // Scrolling, or a swipe the wrong way: not a press and not a reply.
        settle()
        return
      }
      if (dx <= SLOP_PX) return
      swiping = true
      clearTimeout(timer)
      el.classList.add('msg-swiping')
    }
    el.style.transform = `translateX(${Math.max(0, Math.min(dx, SWIPE_MAX_PX))}px)`
  }

  function onUp(event: PointerEvent): void {
    if (!start || event.pointerId !== start.id) {
      settle()
      return
    }
    const far = swiping && event.clientX - start.x >= SWIPE_REPLY_PX
    settle()
    if (far) handlers.onSwipeRight()
  }

  // The press already opened the actions: no system menu or text selection on top of them.
  function onContextMenu(event: Event): void {
    if (pressed || start) event.preventDefault()
  }

  el.addEventListener('pointerdown', onDown)
  el.addEventListener('pointermove', onMove)
  el.addEventListener('pointerup', onUp)
  el.addEventListener('pointercancel', settle)
  el.addEventListener('contextmenu', onContextMenu)
  return () => {
    settle()
    el.removeEventListener('pointerdown', onDown)
    el.removeEventListener('pointermove', onMove)
    el.removeEventListener('pointerup', onUp)
    el.removeEventListener('pointercancel', settle)
    el.removeEventListener('contextmenu', onContextMenu)
  }
}
