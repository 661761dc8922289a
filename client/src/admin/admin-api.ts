// The staff-only routes of CONTRACT.md (Administration), typed for the admin screens.
import type { AuditEntry } from '../../../protocol/admin-audit.ts'
import type { AdminUsage } from '../../../protocol/admin-usage.ts'
import type { KeysStatus, User } from '../../../protocol/api.ts'
import { api } from '../api.ts'

export interface AdminUser extends User {
  isActive: boolean
  lastLogin: string | null
  /** Set once the account was deleted: its row stays, emptied, so conversations still resolve it. */
  deletedAt?: string
}

/** The fields staff may change; `isStaff` only for a superuser. */
export interface AdminUserPatch {
  firstName?: string
  lastName?: string
  isActive?: boolean
  isStaff?: boolean
}

export interface AdminConversation {
  roomId: string
  members: [string, string]
  messageCount: number
  lastActivityAt: string
}

export interface StoredMessage {
  seq: number
  senderId: string
  sentAt: string
  readAt?: string
  editedAt?: string
  deletedAt?: string
  /** The Fernet token as stored ('' once deleted); staff never see the plaintext. */
  ciphertext: string
  /** Sizes only: staff never see a file's name or bytes. */
  attachments?: { id: string; size: number }[]
}

export interface HourCount {
  hour: string
  count: number
}

export interface Activity {
  totalUsers: number
  activeUsers24h: number
  totalConversations: number
  messagesPerHour: HourCount[]
  messagesPerHour7d: HourCount[]
  /** Messages older than this many days are destroyed; 0 keeps them forever. */
  retentionDays: number
}

export type { AuditEntry }

export const ADMIN_PAGE_SIZE = 50

/** Builds `?a=1&b=2`, leaving out empty values. */
function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value))
  }
  const text = search.toString()
  return text ? `?${text}` : ''
}

const path = (id: string) => encodeURIComponent(id)

export const listUsers = (q: string, page: number, pageSize = ADMIN_PAGE_SIZE) =>
  api.get<{ users: AdminUser[]; total: number }>(`/admin/users${query({ q: q.trim(), page, pageSize })}`)

export const getUser = (id: string) => api.get<{ user: AdminUser }>(`/admin/users/${path(id)}`)

export const updateUser = (id: string, patch: AdminUserPatch) =>
  api.patch<{ user: AdminUser }>(`/admin/users/${path(id)}`, patch)

export const listConversations = (page: number, pageSize = ADMIN_PAGE_SIZE) =>
  api.get<{ conversations: AdminConversation[]; total: number }>(`/admin/conversations${query({ page, pageSize })}`)

/** Audited, and both members are told: call only on a deliberate staff action. */
export const openStoredMessages = (roomId: string, before?: number, limit = 50) =>
  api.get<{ messages: StoredMessage[]; hasMore: boolean }>(
    `/admin/conversations/${path(roomId)}/messages${query({ before, limit })}`,
  )

export const getActivity = () => api.get<Activity>('/admin/activity')

/** Keys, how many stored tokens each opens, and re-encryption's progress (may wait ~2 s for a census). */
export const getKeys = () => api.get<KeysStatus>('/admin/keys')

/** Superusers only: starts (or joins) re-encrypting every stored token with the primary key. */
export const reencryptKeys = () => api.post<KeysStatus>('/admin/keys/reencrypt')

export const listAudit = (filter: { actorId?: string; targetId?: string }, page: number, pageSize = ADMIN_PAGE_SIZE) =>
  api.get<{ entries: AuditEntry[]; total: number }>(`/admin/audit${query({ ...filter, page, pageSize })}`)

/** This month's billed amounts and the estimated Workers Paid bill (GET /api/admin/usage). */
export const getUsage = () => api.get<AdminUsage>('/admin/usage')
