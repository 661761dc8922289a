// "(3) Chats · Parley": the unread count leads the tab's title on every screen. Screens set
// their own titles (ui/page-title.ts); this puts the count back in front whenever they do.
import { createEffect, onCleanup } from 'solid-js'

const COUNT = /^\(\d+\+?\) /

function withCount(title: string, count: number): string {
  const base = title.replace(COUNT, '')
  if (count <= 0) return base
  return `(${count > 99 ? '99+' : count}) ${base}`
}

export function useUnreadTitle(count: () => number): void {
  const apply = () => {
    const wanted = withCount(document.title, count())
    if (document.title !== wanted) document.title = wanted
  }
  createEffect(apply)
  const observer = new MutationObserver(apply)
  const head = document.head
  observer.observe(head, { childList: true, subtree: true, characterData: true })
  onCleanup(() => {
    observer.disconnect()
    document.title = withCount(document.title, 0)
  })
}
