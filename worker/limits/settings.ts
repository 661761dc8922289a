// Optional `[vars]` settings that are whole positive numbers (README "Limits"): anything
// else, or nothing, means the default.

export function positiveSetting(value: string | undefined, fallback: number): number {
  const n = Number(value)
  return value !== undefined && Number.isSafeInteger(n) && n > 0 ? n : fallback
}
