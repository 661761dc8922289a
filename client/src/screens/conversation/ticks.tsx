// The state of one's own message at the end of its bubble: a clock while waiting or sending,
// one tick once stored, two once delivered, two coloured ones once read, a warning when refused.
// The icon is decoration; the words beside it are what a screen reader says.
import { Match, Switch } from 'solid-js'
import { DELIVERY_LABEL, type DeliveryState } from '../../chat/delivery-state.ts'

const DOUBLE = 'M1.5 8.5l3 3 7-7M8.5 11.5l7-7'

export function Ticks(props: { state: DeliveryState }) {
  return (
    <span class="msg-status" data-status={props.state}>
      <Switch>
        <Match when={props.state === 'queued' || props.state === 'sending'}>
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" class="msg-icon">
            <circle cx="8" cy="8" r="6.25" fill="none" stroke="currentColor" stroke-width="1.5" />
            <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" />
          </svg>
        </Match>
        <Match when={props.state === 'sent'}>
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" class="msg-icon">
            <path d="M3 8.5l3 3 7-7" fill="none" stroke="currentColor" stroke-width="1.75" stroke-linecap="round" />
          </svg>
        </Match>
        <Match when={props.state === 'delivered'}>
          <svg viewBox="0 0 20 16" width="18" height="14" aria-hidden="true" class="msg-icon">
            <path d={DOUBLE} fill="none" stroke="currentColor" stroke-width="1.75" stroke-linecap="round" />
          </svg>
        </Match>
        <Match when={props.state === 'read'}>
          {/* Bolder as well as coloured: read and delivered differ by more than hue. */}
          <svg viewBox="0 0 20 16" width="18" height="14" aria-hidden="true" class="msg-icon">
            <path d={DOUBLE} fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" />
          </svg>
        </Match>
        <Match when={props.state === 'failed'}>
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" class="msg-icon">
            <circle cx="8" cy="8" r="6.25" fill="none" stroke="currentColor" stroke-width="1.5" />
            <path
              d="M8 4.5v4.25M8 11v.5"
              fill="none"
              stroke="currentColor"
              stroke-width="1.75"
              stroke-linecap="round"
            />
          </svg>
        </Match>
      </Switch>
      {/* One text node that changes in place: the log announces additions, not this. */}
      <span class="visually-hidden">{DELIVERY_LABEL[props.state]}</span>
    </span>
  )
}
