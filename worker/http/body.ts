// JSON bodies at the edge: size limit (413), JSON syntax (400), then a parse function
// that turns unknown input into typed data or field errors (400).
import type { MiddlewareHandler } from 'hono'
import { MAX_JSON_BODY_BYTES } from '../../protocol/api.ts'
import type { AppEnv } from '../env.ts'
import { invalid, Problem } from './problem.ts'

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> }

const tooLarge = () =>
  new Problem(413, 'body-too-large', `Request bodies are limited to ${MAX_JSON_BODY_BYTES / 1024} KiB.`)

/** Reads at most `limit` bytes of the body; a longer body is refused without reading it all. */
export async function readBodyText(req: Request, limit = MAX_JSON_BODY_BYTES): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? '0')
  if (declared > limit) throw tooLarge()
  if (!req.body) return ''
  const reader = req.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      throw tooLarge()
    }
    chunks.push(value)
  }
  const all = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    all.set(c, at)
    at += c.byteLength
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(all)
  } catch {
    throw new Problem(400, 'bad-encoding', 'The request body is not valid UTF-8.')
  }
}

export async function readJson(req: Request): Promise<unknown> {
  const text = await readBodyText(req)
  if (text.trim() === '') throw new Problem(400, 'bad-json', 'The request needs a JSON body.')
  try {
    return JSON.parse(text)
  } catch {
    throw new Problem(400, 'bad-json', 'The request body is not valid JSON.')
  }
}

/** Route middleware: the parsed body becomes `c.req.valid('json')`. */
export function body<T>(
  parse: (raw: unknown) => Parsed<T>,
): MiddlewareHandler<AppEnv, string, { in: { json: unknown }; out: { json: T } }> {
  return async (c, next) => {
    const result = parse(await readJson(c.req.raw))
    if (!result.ok) throw invalid(result.errors)
    c.req.addValidatedData('json', result.value as object)
    await next()
  }
}

/** Helpers for parse functions: a plain object, with only the allowed keys. */
export function asObject(raw: unknown): Record<string, unknown> | null {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null
}

export function unknownFields(obj: Record<string, unknown>, allowed: readonly string[]): Record<string, string> {
  const errors: Record<string, string> = {}
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue
    // Defined, not assigned: `errors.__proto__ = …` would name nothing, and the field would pass.
    const message = `"${key}" is not a field that can be set here.`
    Object.defineProperty(errors, key, { value: message, enumerable: true, writable: true, configurable: true })
  }
  return errors
}

export const notAnObject = (): Parsed<never> => ({
  ok: false,
  errors: { body: 'The request body must be a JSON object.' },
})
