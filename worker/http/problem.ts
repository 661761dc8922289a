// RFC 9457 problem details: the one error shape of the HTTP API (CONTRACT.md: Conventions).
import type { ProblemBody } from '../../protocol/api.ts'

export class Problem extends Error {
  constructor(
    readonly status: number,
    /** Short slug; the `type` member becomes `/problems/<slug>`. */
    readonly slug: string,
    readonly detail: string,
    readonly errors?: Record<string, string>,
    readonly headers?: Record<string, string>,
  ) {
    super(detail)
  }

  toBody(): ProblemBody {
    const body: ProblemBody = {
      type: `/problems/${this.slug}`,
      title: TITLES[this.status] ?? 'Error',
      status: this.status,
      detail: this.detail,
    }
    if (this.errors) body.errors = this.errors
    return body
  }

  toResponse(): Response {
    return new Response(JSON.stringify(this.toBody()), {
      status: this.status,
      headers: { 'content-type': 'application/problem+json', ...this.headers },
    })
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  411: 'Length Required',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  426: 'Upgrade Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
}

/** 400 for one or more fields, with a message a person can act on for each. */
export function invalid(errors: Record<string, string>, detail?: string): Problem {
  const first = Object.values(errors)[0]
  return new Problem(400, 'invalid-input', detail ?? first ?? 'The request is not valid.', errors)
}

export const notSignedIn = () => new Problem(401, 'not-signed-in', 'Sign in to continue.')
