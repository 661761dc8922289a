// Times in a chat: "14:05" on a bubble, "Today" / "Monday" / "3 March 2026" between days,
// and the short stamp of a list row. All in the reader's locale and time zone.

const clock = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' })
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'long' })
const shortWeekday = new Intl.DateTimeFormat(undefined, { weekday: 'short' })
const fullDate = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long', year: 'numeric' })
const shortDate = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' })
const shortDateYear = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' })
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeStyle: 'short' })

const DAY_MS = 86_400_000

/** A local calendar day as "2026-11-25": the key that groups messages under one separator. */
export function localDayKey(iso: string): string {
  const d = new Date(iso)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

function startOfDay(time: number): number {
  const d = new Date(time)
  d.setHours(0, 0, 0, 0)
  return d.getTime()
}

export function formatClock(iso: string): string {
  return clock.format(new Date(iso))
}

export function formatDayLabel(iso: string, now: number = Date.now()): string {
  const days = Math.round((startOfDay(now) - startOfDay(Date.parse(iso))) / DAY_MS)
  if (days === 0) return 'Today'
  if (days === 1) return 'Yesterday'
  if (days > 1 && days < 7) return weekday.format(new Date(iso))
  return fullDate.format(new Date(iso))
}

/** A list row's stamp: the time today, the weekday this week, the date before that. */
export function formatListStamp(iso: string, now: number = Date.now()): string {
  const then = Date.parse(iso)
  const days = Math.round((startOfDay(now) - startOfDay(then)) / DAY_MS)
  if (days === 0) return clock.format(then)
  if (days > 0 && days < 7) return shortWeekday.format(then)
  return new Date(then).getFullYear() === new Date(now).getFullYear()
    ? shortDate.format(then)
    : shortDateYear.format(then)
}

export function formatLongDateTime(iso: string): string {
  return dateTime.format(new Date(iso))
}
