// Which rows of a long history to render: prefix sums of row heights (measured where known,
// estimated elsewhere) and a binary search around the scroll position.

/** Offsets of each row's top, plus the total height as the last entry. */
export function prefixOffsets(count: number, heightOf: (index: number) => number): Float64Array {
  const offsets = new Float64Array(count + 1)
  for (let i = 0; i < count; i++) offsets[i + 1] = offsets[i]! + heightOf(i)
  return offsets
}

/** The first index whose bottom is below `y`. */
function firstBelow(offsets: Float64Array, y: number): number {
  let lo = 0
  let hi = offsets.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (offsets[mid + 1]! <= y) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * The rows [start, end) overlapping the viewport widened by `overscan` pixels each way.
 * `scrollTop` may be past the end (a request to start at the bottom).
 */
export function visibleRange(
  offsets: Float64Array,
  scrollTop: number,
  viewport: number,
  overscan: number,
): [number, number] {
  const count = offsets.length - 1
  if (count === 0) return [0, 0]
  const total = offsets[count]!
  const top = Math.max(0, Math.min(scrollTop, total - viewport) - overscan)
  const bottom = Math.min(total, Math.max(scrollTop, 0) + viewport + overscan)
  const start = Math.min(firstBelow(offsets, top), count - 1)
  const end = Math.max(start + 1, Math.min(count, firstBelow(offsets, bottom) + 1))
  return [start, end]
}
