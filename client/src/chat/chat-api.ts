// The conversation routes of CONTRACT.md (Conversations, people search), typed for the client.
import type { Message, Peer } from '../../../protocol/api.ts'
import type { ConversationEntry, Notice } from '../../../protocol/frames.ts'
import { api } from '../api.ts'

export interface HistoryPage {
  messages: Message[]
  hasMore: boolean
  /** Beyond the contract: the newest admin-viewed notices, on every page. */
  notices?: Notice[]
}

export const HISTORY_PAGE_SIZE = 50

export function fetchHistory(peerId: string, before: number | null, limit = HISTORY_PAGE_SIZE): Promise<HistoryPage> {
  const query = new URLSearchParams({ limit: String(limit) })
  if (before !== null) query.set('before', String(before))
  return api.get<HistoryPage>(`/conversations/${encodeURIComponent(peerId)}/messages?${query}`)
}

export const fetchConversations = () => api.get<{ conversations: ConversationEntry[] }>('/conversations')

export const searchPeople = (q: string) => api.get<{ users: Peer[] }>(`/users?q=${encodeURIComponent(q)}`)
