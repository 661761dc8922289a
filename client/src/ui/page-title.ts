// Sets the document title per screen: the first thing a screen reader says after navigating.
import { createEffect } from 'solid-js'

export function usePageTitle(title: () => string): void {
  createEffect(() => {
    document.title = `${title()} · Parley`
  })
}
