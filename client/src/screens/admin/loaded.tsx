// Loading, failure and content for one admin request, so every screen says the same thing
// the same way; earlier content stays on screen (marked busy) while a new page loads.
import { type Accessor, type JSX, type Resource, Show } from 'solid-js'
import { ApiError } from '../../api.ts'
import { Button } from '../../ui/button.tsx'

function message(error: unknown): string {
  return error instanceof ApiError ? error.problem.detail : 'Something went wrong. Please try again.'
}

export function Loaded<T>(props: {
  data: Resource<T>
  loading: string
  onRetry: () => void
  children: (value: Accessor<NonNullable<T>>) => JSX.Element
}) {
  // `latest` throws once the request failed, so it is read only when it has not.
  const current = () => (props.data.state === 'errored' ? undefined : props.data.latest)
  return (
    <Show
      when={props.data.state !== 'errored'}
      fallback={
        <div class="form-error" role="alert">
          <p>{message(props.data.error)}</p>
          <Button variant="secondary" class="load-retry" onClick={() => props.onRetry()}>
            Try again
          </Button>
        </div>
      }
    >
      <Show
        when={current()}
        fallback={
          <p class="muted" role="status">
            {props.loading}
          </p>
        }
      >
        {(value) => (
          <div class="loaded" aria-busy={props.data.loading ? 'true' : undefined}>
            {props.children(value)}
          </div>
        )}
      </Show>
    </Show>
  )
}
