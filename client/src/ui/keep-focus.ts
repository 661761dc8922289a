// After a route change the focused element is often gone (a submit button, a whole screen);
// focus then falls to <body> and keyboard and screen-reader users lose their place.
import { useLocation } from '@solidjs/router'
import { createEffect, on } from 'solid-js'

// On the first screen after a page load, focus stays at the document's start, so Tab
// still reaches the skip link and the top bar first.
let firstScreen = true

/** Moves focus to `target` (a tabindex="-1" landmark) whenever navigation left it on <body>. */
export function useKeepFocus(target: () => HTMLElement | undefined): void {
  const location = useLocation()
  createEffect(
    on(
      () => location.pathname,
      () => {
        if (firstScreen) {
          firstScreen = false
          return
        }
        queueMicrotask(() => {
          const active = document.activeElement
          if (active === null || active === document.body) target()?.focus({ preventScroll: true })
        })
      },
    ),
  )
}
