// Previous / next links under a paged admin table, with where the reader is.
import { A, useLocation } from '@solidjs/router'
import { Show } from 'solid-js'
import { hrefWith } from './search-params.ts'

export function Pager(props: { page: number; pageSize: number; total: number; noun: [one: string, many: string] }) {
  const location = useLocation()
  const pages = () => Math.max(1, Math.ceil(props.total / props.pageSize))
  const href = (page: number) => hrefWith(location.pathname, location.search, { page: page > 1 ? page : undefined })
  const noun = () => (props.total === 1 ? props.noun[0] : props.noun[1])
  return (
    <nav class="pager" aria-label="Pages">
      <p class="pager-status">
        {props.total.toLocaleString()} {noun()} · page {Math.min(props.page, pages())} of {pages()}
      </p>
      <div class="pager-links">
        <Show when={props.page > 1}>
          <A class="button button-secondary" href={href(Math.min(props.page, pages() + 1) - 1)} rel="prev">
            Previous page
          </A>
        </Show>
        <Show when={props.page < pages()}>
          <A class="button button-secondary" href={href(props.page + 1)} rel="next">
            Next page
          </A>
        </Show>
      </div>
    </nav>
  )
}
