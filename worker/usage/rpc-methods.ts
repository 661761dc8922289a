// The RPC methods a stub may call on each metered object: every public method, which the
// compiler checks against the classes (metered-object.ts), so a new one cannot go uncounted.
import type { UserInbox } from '../inbox/user-inbox.ts'
import type { ChatRoom } from '../rooms/chat-room.ts'
import type { RpcMethodsOf } from './metered-object.ts'

export const CHAT_ROOM_RPC: Record<RpcMethodsOf<ChatRoom>, true> = {
  history: true,
  exportPage: true,
  storedMessages: true,
  recordAdminView: true,
  nudgeRetention: true,
  closeSessions: true,
  addUpload: true,
  attachmentFor: true,
  removeUpload: true,
  eraseMember: true,
  setReadReceipts: true,
  setBlocks: true,
  noteDelivered: true,
  reencryptPage: true,
}

export const USER_INBOX_RPC: Record<RpcMethodsOf<UserInbox>, true> = {
  applyConversation: true,
  setReadReceipts: true,
  reserveStorage: true,
  releaseStorage: true,
  storageUsed: true,
  reencryptPage: true,
  addPushSubscription: true,
  removePushSubscription: true,
  pushSubscriptionCount: true,
  admitSocket: true,
  expectErasure: true,
  eraseAccount: true,
  peerErased: true,
  setBlock: true,
  listConversations: true,
  listNotifications: true,
  markNotificationsRead: true,
  endSessions: true,
  checkSession: true,
  userChanged: true,
}
