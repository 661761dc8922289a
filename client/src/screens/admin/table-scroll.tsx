// A wide table on a narrow screen scrolls sideways inside this region; being focusable lets
// keyboard users scroll it too, and its label says what it holds.
import type { JSX } from 'solid-js'

export function TableScroll(props: { label: string; children: JSX.Element }) {
  return (
    <section class="table-scroll" aria-label={props.label} tabindex="0">
      {props.children}
    </section>
  )
}
