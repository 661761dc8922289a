// Round axis ticks for a count axis: 0 to a "nice" top (1, 2 or 5 times a power of ten).

/** Ticks from 0 up to at least `max`, about `target` steps, whole numbers only. */
export function countTicks(max: number, target = 4): number[] {
  if (!(max > 0)) return [0, 1]
  const rough = max / target
  const power = 10 ** Math.floor(Math.log10(rough))
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power)
  const top = Math.ceil(max / step) * step
  const ticks: number[] = []
  for (let tick = 0; tick <= top; tick += step) ticks.push(tick)
  return ticks
}
