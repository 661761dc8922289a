// Reading and writing the admin lists' query string (?q=, ?page=, filters): the URL is the
// state, so Back, reload and a shared link all show the same page.

type Raw = string | string[] | undefined

export function oneParam(raw: Raw): string {
  return (Array.isArray(raw) ? raw[0] : raw) ?? ''
}

/** A page number from the URL; anything odd is page 1. */
export function pageParam(raw: Raw): number {
  const n = Number(oneParam(raw))
  return Number.isSafeInteger(n) && n >= 1 ? n : 1
}

/** `pathname` with `search` changed as given (undefined or '' removes a parameter). */
export function hrefWith(
  pathname: string,
  search: string,
  changes: Record<string, string | number | undefined>,
): string {
  const params = new URLSearchParams(search)
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === '') params.delete(key)
    else params.set(key, String(value))
  }
  const text = params.toString()
  return text ? `${pathname}?${text}` : pathname
}
