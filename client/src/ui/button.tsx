// Buttons in four weights; a pending button keeps its focus and refuses repeat presses.
import { type JSX, splitProps } from 'solid-js'

export interface ButtonProps extends JSX.ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: 'primary' | 'secondary' | 'danger' | 'quiet'
  pending?: boolean
  /** Shown while pending, e.g. "Signing in…". */
  pendingLabel?: string
  block?: boolean
}

export function Button(props: ButtonProps) {
  const [own, rest] = splitProps(props, [
    'variant',
    'pending',
    'pendingLabel',
    'block',
    'type',
    'children',
    'onClick',
    'class',
  ])
  const className = () =>
    ['button', `button-${own.variant ?? 'secondary'}`, own.block ? 'button-block' : '', own.class ?? '']
      .filter(Boolean)
      .join(' ')
  // aria-disabled rather than disabled: a disabled button drops keyboard focus mid-submit.
  return (
    <button
      {...rest}
      type={own.type ?? 'button'}
      class={className()}
      aria-disabled={own.pending ? 'true' : undefined}
      aria-busy={own.pending ? 'true' : undefined}
      onClick={(event) => {
        if (own.pending) {
          event.preventDefault()
          return
        }
        if (typeof own.onClick === 'function') own.onClick(event)
      }}
    >
      {own.pending && own.pendingLabel ? own.pendingLabel : own.children}
    </button>
  )
}
