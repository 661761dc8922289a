// The account routes of CONTRACT.md (Accounts), typed for the screens.
import type { SessionInfo, User } from '../../protocol/api.ts'
import { api, request } from './api.ts'

export interface RegisterInput {
  email: string
  password: string
  firstName: string
  lastName: string
}

export const register = (input: RegisterInput) => api.post<{ user: User }>('/auth/register', input)

export const signIn = (email: string, password: string) => api.post<{ user: User }>('/auth/login', { email, password })

export const signOut = () => api.post<void>('/auth/logout')

export const fetchMe = () => api.get<{ user: User }>('/me')

export const updateProfile = (patch: { firstName?: string; lastName?: string; readReceipts?: boolean }) =>
  api.patch<{ user: User }>('/me', patch)

export const changePassword = (currentPassword: string, newPassword: string) =>
  api.post<void>('/me/password', { currentPassword, newPassword })

export const listSessions = () => api.get<{ sessions: SessionInfo[] }>('/me/sessions')

export const revokeSession = (id: string) => api.delete<void>(`/me/sessions/${encodeURIComponent(id)}`)

/** CONTRACT.md: Deleting an account. */
export const deleteAccount = (password: string) => request<void>('DELETE', '/me', { password })

export const revokeOtherSessions = () => api.post<void>('/me/sessions/revoke-others')
