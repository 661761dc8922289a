// Messages per hour as a hand-drawn SVG bar chart, with a hidden table of the same numbers
// for screen readers (the SVG is one image to them, named by its <title> and <desc>).
import { createMemo, createSignal, createUniqueId, For, onCleanup, onMount, Show } from 'solid-js'
import type { HourCount } from './admin-api.ts'
import { countTicks } from './chart-scale.ts'

export type ChartSpan = 'day' | 'week'

const HEIGHT = 220
const MARGIN = { top: 14, right: 10, bottom: 30, left: 40 }

const hourMinute = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'short' })
const weekdayDay = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric' })
const fullHour = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
})

export function formatHour(iso: string): string {
  return fullHour.format(new Date(iso))
}

const plural = (n: number, one: string, many: string) => `${n.toLocaleString()} ${n === 1 ? one : many}`

function summary(data: HourCount[]): string {
  if (data.length === 0) return 'No data.'
  const total = data.reduce((sum, d) => sum + d.count, 0)
  const range = `from ${formatHour(data[0]!.hour)} to ${formatHour(data[data.length - 1]!.hour)}`
  if (total === 0) return `Bar chart of messages sent each hour ${range}: none were sent.`
  const peak = data.reduce((best, d) => (d.count > best.count ? d : best))
  return `Bar chart of messages sent each hour ${range}: ${plural(total, 'message', 'messages')} in total; the busiest hour was ${formatHour(peak.hour)} with ${peak.count.toLocaleString()}.`
}

interface AxisLabel {
  x: number
  text: string
  anchor: 'start' | 'middle' | 'end'
}

/** Rough width of one 12px label character, enough to keep labels inside the drawing. */
const CHAR_WIDTH = 7

export function HourlyChart(props: { title: string; data: HourCount[]; span: ChartSpan }) {
  const id = createUniqueId()
  let canvas: HTMLDivElement | undefined
  // The drawing is redone at the container's pixel width, so text stays 12px on a phone
  // instead of shrinking with a scaled viewBox.
  const [width, setWidth] = createSignal(640)
  onMount(() => {
    if (!canvas || typeof ResizeObserver === 'undefined') return
    const observer = new ResizeObserver((entries) => {
      const measured = entries[0]?.contentRect.width
      if (measured) setWidth(Math.max(260, Math.round(measured)))
    })
    observer.observe(canvas)
    onCleanup(() => observer.disconnect())
  })

  const plotWidth = () => width() - MARGIN.left - MARGIN.right
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom
  const ticks = createMemo(() => countTicks(Math.max(0, ...props.data.map((d) => d.count))))
  const top = () => ticks()[ticks().length - 1] || 1
  const band = () => plotWidth() / Math.max(1, props.data.length)
  const y = (value: number) => MARGIN.top + plotHeight - (value / top()) * plotHeight

  const xLabels = createMemo<AxisLabel[]>(() => {
    const labels: AxisLabel[] = []
    const narrow = width() < 520
    props.data.forEach((d, i) => {
      const date = new Date(d.hour)
      const left = MARGIN.left + i * band()
      if (props.span === 'day') {
        if (date.getHours() % (narrow ? 6 : 3) === 0) {
          labels.push({ x: left + band() / 2, text: hourMinute.format(date), anchor: 'middle' })
        }
      } else if (date.getHours() === 0) {
        labels.push({ x: left + 2, text: (narrow ? weekday : weekdayDay).format(date), anchor: 'start' })
      }
    })
    // A label that would run past the right edge is pulled back to end there; one that
    // would then overlap its neighbour is left out.
    const right = width() - MARGIN.right
    const kept: AxisLabel[] = []
    let lastEnd = Number.NEGATIVE_INFINITY
    for (const label of labels) {
      const textWidth = label.text.length * CHAR_WIDTH
      const overflows = label.x + (label.anchor === 'middle' ? textWidth / 2 : textWidth) > right
      const placed = overflows ? { ...label, x: right, anchor: 'end' as const } : label
      const start =
        placed.anchor === 'start'
          ? placed.x
          : placed.anchor === 'middle'
            ? placed.x - textWidth / 2
            : placed.x - textWidth
      if (start < lastEnd + 6) continue
      kept.push(placed)
      lastEnd = start + textWidth
    }
    return kept
  })

  const dayStarts = createMemo(() =>
    props.span === 'week'
      ? props.data.flatMap((d, i) => (new Date(d.hour).getHours() === 0 ? [MARGIN.left + i * band()] : []))
      : [],
  )

  return (
    <figure class="chart">
      <div ref={canvas} class="chart-canvas">
        <svg
          class="chart-svg"
          role="img"
          aria-labelledby={`${id}-title ${id}-desc`}
          width={width()}
          height={HEIGHT}
          viewBox={`0 0 ${width()} ${HEIGHT}`}
        >
          <title id={`${id}-title`}>{props.title}</title>
          <desc id={`${id}-desc`}>{summary(props.data)}</desc>
          <For each={ticks()}>
            {(tick) => (
              <g>
                <line
                  class={tick === 0 ? 'chart-axis' : 'chart-grid'}
                  x1={MARGIN.left}
                  x2={width() - MARGIN.right}
                  y1={y(tick)}
                  y2={y(tick)}
                />
                <text class="chart-label" x={MARGIN.left - 8} y={y(tick)} text-anchor="end" dominant-baseline="middle">
                  {tick.toLocaleString()}
                </text>
              </g>
            )}
          </For>
          <For each={dayStarts()}>
            {(x) => <line class="chart-day" x1={x} x2={x} y1={MARGIN.top} y2={MARGIN.top + plotHeight} />}
          </For>
          <For each={props.data}>
            {(d, i) => (
              <Show when={d.count > 0}>
                <rect
                  class="chart-bar"
                  x={MARGIN.left + i() * band() + band() * 0.14}
                  width={Math.max(1, band() * 0.72)}
                  y={y(d.count)}
                  height={MARGIN.top + plotHeight - y(d.count)}
                  rx={band() > 8 ? 2 : 0}
                >
                  <title>{`${formatHour(d.hour)}: ${plural(d.count, 'message', 'messages')}`}</title>
                </rect>
              </Show>
            )}
          </For>
          <For each={xLabels()}>
            {(label) => (
              <text class="chart-label" x={label.x} y={HEIGHT - 8} text-anchor={label.anchor}>
                {label.text}
              </text>
            )}
          </For>
        </svg>
      </div>
      {/* Wrapped: a table's box grows to fit its rows, so it cannot be clipped to 1px itself. */}
      <div class="visually-hidden">
        <table>
          <caption>{props.title}</caption>
          <thead>
            <tr>
              <th scope="col">Hour starting</th>
              <th scope="col">Messages</th>
            </tr>
          </thead>
          <tbody>
            <For each={props.data}>
              {(d) => (
                <tr>
                  <th scope="row">{formatHour(d.hour)}</th>
                  <td>{d.count.toLocaleString()}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
    </figure>
  )
}
