// Where an attachment's bytes are (CONTRACT.md: GET /api/attachments/:id): the file itself, and
// the small preview the log shows: this page's own copy for a photo it sent, else the
// thumbnail the sender made, else (a small photo is its own preview) the file.
import type { Attachment } from '../../../protocol/api.ts'
import { localPreviewOf } from './conversation-files.ts'

export const attachmentUrl = (id: string) => `/api/attachments/${encodeURIComponent(id)}`

export function previewUrl(a: Pick<Attachment, 'id' | 'thumbnail'>): string {
  return localPreviewOf(a.id) ?? (a.thumbnail ? `${attachmentUrl(a.id)}/thumbnail` : attachmentUrl(a.id))
}
