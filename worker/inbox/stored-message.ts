// A message as the inbox keeps it (its body a Fernet token) turned into the contract's Message.
import { type Attachment, MAX_PREVIEW_CHARS, type Message } from '../../protocol/api.ts'
import { cutCodePoints } from '../../protocol/text.ts'
import { decryptText, type FernetKeyring } from '../crypto/fernet.ts'
import type { StoredAttachment, StoredMessage } from './updates.ts'

export async function toMessage(keys: FernetKeyring, s: StoredMessage): Promise<Message> {
  const m: Message = {
    seq: s.seq,
    clientId: s.clientId,
    senderId: s.senderId,
    body: '',
    sentAt: s.sentAt,
    // Stored before revisions existed: a message's first rev is its seq.
    rev: s.rev ?? s.seq,
  }
  if (s.readAt) m.readAt = s.readAt
  if (s.deliveredAt) m.deliveredAt = s.deliveredAt
  if (s.deletedAt) {
    m.deletedAt = s.deletedAt
    return m
  }
  const body = await decryptText(keys, s.token)
  // The room logs which message it is; the list shows it as unreadable, like the room does.
  if (body === null) m.unreadable = true
  else m.body = body
  if (s.editedAt) m.editedAt = s.editedAt
  if (s.replyTo) {
    const quoted = s.replyTo.token ? await decryptText(keys, s.replyTo.token) : ''
    m.replyTo = {
      seq: s.replyTo.seq,
      senderId: s.replyTo.senderId,
      preview: cutCodePoints(quoted ?? '', MAX_PREVIEW_CHARS),
    }
  }
  if (s.reactions && Object.keys(s.reactions).length > 0) m.reactions = s.reactions
  if (s.attachments && s.attachments.length > 0) m.attachments = await openAttachments(keys, s.attachments)
  return m
}

export async function openAttachments(keys: FernetKeyring, stored: readonly StoredAttachment[]): Promise<Attachment[]> {
  return Promise.all(stored.map(async (a) => ({ ...a, name: (await decryptText(keys, a.name)) ?? '' })))
}
