// The toast stack: each toast opens its conversation; a polite live region announces it.
import { A } from '@solidjs/router'
import { For } from 'solid-js'
import { dismissToast, holdToast, toasts } from './toast-store.ts'

export function Toasts() {
  return (
    <section class="toasts" aria-label="New messages" aria-live="polite">
      <For each={toasts}>
        {(toast) => (
          <div class="toast">
            <A
              class="toast-link"
              href={`/c/${encodeURIComponent(toast.peerId)}`}
              onClick={() => dismissToast(toast.id)}
              onMouseEnter={() => holdToast(toast.id, true)}
              onMouseLeave={() => holdToast(toast.id, false)}
              onFocus={() => holdToast(toast.id, true)}
              onBlur={() => holdToast(toast.id, false)}
            >
              <span class="toast-title">New message from {toast.title}</span>
              <span class="toast-body" dir="auto">
                {toast.body}
              </span>
            </A>
            <button type="button" class="toast-close" onClick={() => dismissToast(toast.id)}>
              <span aria-hidden="true">×</span>
              <span class="visually-hidden">Dismiss message from {toast.title}</span>
            </button>
          </div>
        )}
      </For>
    </section>
  )
}
