// Attachment limits (README "Limits"), each a [vars] entry.
import type { Env } from '../env.ts'

export const DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
export const DEFAULT_ATTACHMENT_QUOTA_BYTES = 1024 * 1024 * 1024
export const DEFAULT_UPLOADS_PER_MINUTE = 30
/** An upload not sent in a message within this long is removed. */
export const UNSENT_UPLOAD_TTL_MS = 24 * 3600_000

export interface AttachmentLimits {
  maxBytes: number
  quotaBytes: number
  uploadsPerMinute: number
}

const num = (v: string | undefined, fallback: number) => {
  const n = Number(v)
  return Number.isSafeInteger(n) && n > 0 ? n : fallback
}

export function attachmentLimitsOf(env: Env): AttachmentLimits {
  return {
    maxBytes: num(env.ATTACHMENT_MAX_BYTES, DEFAULT_ATTACHMENT_MAX_BYTES),
    quotaBytes: num(env.ATTACHMENT_QUOTA_BYTES, DEFAULT_ATTACHMENT_QUOTA_BYTES),
    uploadsPerMinute: num(env.UPLOADS_PER_MINUTE, DEFAULT_UPLOADS_PER_MINUTE),
  }
}
