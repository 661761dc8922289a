// GET /api/me/export (CONTRACT.md: the export): who may start one and how often, the audit
// entry, the head of the document, and the stream that pages every conversation (ADR 009).

import type { SessionInfo, User } from '../../protocol/api.ts'
import { keyringOf } from '../crypto/keys.ts'
import { auditStatement } from '../db/audit.ts'
import { listBlockedPeers } from '../db/blocks.ts'
import { listLiveSessions } from '../db/sessions.ts'
import { readReceiptsOf } from '../db/users.ts'
import type { Db, Env } from '../env.ts'
import { limiter, tooMany } from '../http/rate-limit.ts'
import { inboxOf } from '../inbox/inbox-key.ts'
import { positiveSetting } from '../limits/settings.ts'
import { receiptsFlags, roomFor, sortedMembers } from '../rooms/room-key.ts'
import { type ExportedConversation, exportStream } from './export-stream.ts'

/** Exports one user may start per hour (EXPORTS_PER_HOUR). */
export const DEFAULT_EXPORTS_PER_HOUR = 5
/**
 * Messages per page, one ChatRoom RPC each (EXPORT_PAGE_MESSAGES). 500 keeps a page of the
 * longest bodies (4,000 characters, each quoting another) under ~10 MB in both isolates, and
 * 100,000 messages at about 200 RPCs: see bench/README.md "Export".
 */
export const DEFAULT_EXPORT_PAGE_MESSAGES = 500
/** A running export holds its lease this long past its last page; one whose isolate died frees it on its own. */
export const EXPORT_LEASE_S = 60
const HOUR_S = 3600

export interface ExportLimits {
  perHour: number
  pageMessages: number
}

export function exportLimitsOf(env: Env): ExportLimits {
  return {
    perHour: positiveSetting(env.EXPORTS_PER_HOUR, DEFAULT_EXPORTS_PER_HOUR),
    pageMessages: positiveSetting(env.EXPORT_PAGE_MESSAGES, DEFAULT_EXPORT_PAGE_MESSAGES),
  }
}

/** `parley-export-2026-12-02.json`, the date in UTC. */
export function exportFileName(at: Date): string {
  return `parley-export-${at.toISOString().slice(0, 10)}.json`
}

/**
 * Refuses (429 + Retry-After) while another export of this user runs or once the hour's
 * exports are used up; otherwise audits it and answers with the streamed document.
 */
export async function exportResponse(
  env: Env,
  db: Db,
  waitUntil: (work: Promise<unknown>) => void,
  user: User,
  currentSessionId: string,
): Promise<Response> {
  const limits = exportLimitsOf(env)
  const gate = limiter(env, `export:${user.id}`)
  const verdict = await gate.reserveExclusive(limits.perHour, HOUR_S, EXPORT_LEASE_S)
  if (!verdict.allowed) {
    throw tooMany(
      verdict.retryAfter,
      verdict.busy
        ? 'Your data is already being prepared in another download. Wait for it to finish, then try again.'
        : `You can download your data ${limits.perHour} times an hour. Try again later.`,
    )
  }
  const release = () => gate.releaseLease(verdict.token)
  try {
    const now = new Date()
    const keys = await keyringOf(env)
    const [sessions, blocks, entries] = await Promise.all([
      listLiveSessions(db, user.id),
      listBlockedPeers(db, keys, user.id),
      inboxOf(env, user.id).listConversations(),
    ])
    const receipts = await readReceiptsOf(
      db,
      entries.map((e) => e.peer.id),
    )
    await auditStatement(
      db,
      {
        actorId: user.id,
        action: 'account.export',
        targetType: 'user',
        targetId: user.id,
        changes: { conversations: entries.length },
      },
      now,
    ).run()
    const conversations: ExportedConversation[] = entries.map(({ peer }) => {
      const { stub } = roomFor(env, user.id, peer.id)
      const members = sortedMembers(user.id, peer.id)
      const peerReceipts = receipts.get(peer.id)
      const flags =
        peerReceipts === undefined ? undefined : receiptsFlags(user, { id: peer.id, readReceipts: peerReceipts })
      return { peer, page: (afterSeq, limit) => stub.exportPage(user.id, members, afterSeq, limit, flags) }
    })
    const body = exportStream({
      head: {
        exportedAt: now.toISOString(),
        user,
        sessions: sessions.map(
          (s): SessionInfo => ({
            id: s.id,
            current: s.id === currentSessionId,
            createdAt: s.createdAt,
            lastSeenAt: s.lastSeenAt,
            userAgent: s.userAgent,
          }),
        ),
        blocks,
      },
      conversations,
      pageSize: limits.pageMessages,
      onPage: renewEvery(EXPORT_LEASE_S / 3, () => gate.renewLease(verdict.token, EXPORT_LEASE_S)),
      onEnd: () => waitUntil(release().catch(() => {})),
    })
    return new Response(body, {
      headers: {
        'content-type': 'application/json',
        'content-disposition': `attachment; filename="${exportFileName(now)}"`,
      },
    })
  } catch (err) {
    await release().catch(() => {})
    throw err
  }
}

/** The room's view of both switches (`1,0` in sorted member order); none when the peer's row is gone. */

/** Runs `work` at most once per `seconds`, between pages. */
function renewEvery(seconds: number, work: () => Promise<unknown>): () => Promise<void> {
  let last = Date.now()
  return async () => {
    if (Date.now() - last < seconds * 1000) return
    last = Date.now()
    await work()
  }
}
