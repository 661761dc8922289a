// What each member of a pair ends up showing, against what the server keeps. A member's
// view is built from its own socket only, as a client builds it: every `message` and
// `update` frame, keeping per seq the state with the higher `rev`. At the end it is
// compared with the history route (GET /api/conversations/:peerId/messages, paged with
// `before`) as each member reads it, and with the other member's view.
import type { Message } from '../../protocol/api.ts'
import { type JsonResponse, requestJson } from './http.ts'
import type { NetCounters } from './stats.ts'
import type { HistoryEndpoint } from './targets.ts'

const PAGE = 100

interface HistoryPage {
  messages: Message[]
  hasMore: boolean
}

export class MemberView {
  readonly messages = new Map<number, Message>()
  /** Frames that carried an older state than the one held (not applied). */
  stale = 0

  apply(m: Message): void {
    const held = this.messages.get(m.seq)
    if (held && held.rev > m.rev) {
      this.stale++
      return
    }
    this.messages.set(m.seq, m)
  }
}

/** Every message with a seq above `after`, as the history route pages them (newest first). */
export async function fetchHistory(
  endpoint: HistoryEndpoint,
  after: number,
  counters: NetCounters,
): Promise<Map<number, Message> | null> {
  const out = new Map<number, Message>()
  let before: number | null = null
  // Bounded: a room holds at most a few hundred thousand bench messages.
  for (let pages = 0; pages < 10_000; pages++) {
    const res: JsonResponse<HistoryPage> = await requestJson<HistoryPage>(counters, endpoint.url(before, PAGE), {
      cookie: endpoint.cookie,
    })
    if (res.status !== 200 || !res.body) return null
    const { messages, hasMore } = res.body
    for (const m of messages) if (m.seq > after) out.set(m.seq, m)
    const oldest: number | undefined = messages[0]?.seq
    if (!hasMore || oldest === undefined || oldest <= after + 1) return out
    before = oldest
  }
  return out
}

export interface ViewDiff {
  pair: number
  seq: number
  /** Which sources disagree with member 0's history, and in which fields. */
  differs: string[]
  /** The history's rev of the message (0 when it has none). */
  rev: number
  /** Which members' views differ from the history (0, 1). */
  views: number[]
  /** For each such member: the resume whose `since` went past the history's rev, and what came before it. */
  resumed?: string[]
}

export interface ViewCheck {
  /** Pairs whose four sources (two views, two histories) were compared. */
  pairs: number
  /** Messages compared, over all pairs. */
  messages: number
  /** Messages on which any of the four sources differs from the others. */
  differing: number
  /** The same, by source: member views against the history, the two histories, the two views. */
  viewVsHistory: number
  historyVsHistory: number
  viewVsView: number
  /** Histories that could not be read. */
  historyErrors: number
  /** Frames carrying an older state than one already held (kept out by rev). */
  staleFrames: number
  /** The first differences, for the report. */
  examples: ViewDiff[]
}

/** The fields two sources must agree on: everything but read and delivery stamps, which change without a rev. */
function canonical(m: Message | undefined): string {
  if (!m) return 'missing'
  const reactions: Record<string, string[]> = {}
  for (const emoji of Object.keys(m.reactions ?? {}).sort()) reactions[emoji] = [...(m.reactions?.[emoji] ?? [])].sort()
  return JSON.stringify([
    m.seq,
    m.clientId,
    m.senderId,
    m.body,
    m.sentAt,
    m.rev,
    m.editedAt ?? null,
    m.deletedAt ?? null,
    m.replyTo ?? null,
    reactions,
  ])
}

function fieldsDiffering(a: Message | undefined, b: Message | undefined): string {
  if (!a || !b) return a ? 'missing' : 'extra'
  const fields: string[] = []
  if (a.body !== b.body) fields.push('body')
  if (a.rev !== b.rev) fields.push(`rev ${b.rev} vs ${a.rev}`)
  if ((a.editedAt ?? null) !== (b.editedAt ?? null)) fields.push('editedAt')
  if ((a.deletedAt ?? null) !== (b.deletedAt ?? null)) fields.push('deletedAt')
  if (canonical({ ...a, rev: 0 }) !== canonical({ ...b, rev: 0 }) && fields.length === 0) fields.push('reactions/other')
  return fields.join(', ') || 'other'
}

export interface PairSources {
  pair: number
  /** Seqs at or below this are not compared (older history, before the session opened). */
  after: number
  views: [MemberView, MemberView]
  histories: [Map<number, Message> | null, Map<number, Message> | null]
}

export function compareViews(sources: PairSources[], staleFrames: number): ViewCheck {
  const check: ViewCheck = {
    pairs: 0,
    messages: 0,
    differing: 0,
    viewVsHistory: 0,
    historyVsHistory: 0,
    viewVsView: 0,
    historyErrors: 0,
    staleFrames,
    examples: [],
  }
  for (const s of sources) {
    const [h0, h1] = s.histories
    if (!h0 || !h1) {
      check.historyErrors += (h0 ? 0 : 1) + (h1 ? 0 : 1)
      continue
    }
    check.pairs++
    const seqs = new Set<number>()
    for (const source of [h0, h1, s.views[0].messages, s.views[1].messages]) {
      for (const seq of source.keys()) if (seq > s.after) seqs.add(seq)
    }
    for (const seq of [...seqs].sort((a, b) => a - b)) {
      check.messages++
      const truth = h0.get(seq)
      const sources = {
        'history 1': h1.get(seq),
        'view 0': s.views[0].messages.get(seq),
        'view 1': s.views[1].messages.get(seq),
      }
      const c = canonical(truth)
      const c1 = canonical(sources['history 1'])
      const v0 = canonical(sources['view 0'])
      const v1 = canonical(sources['view 1'])
      const vh = v0 !== c || v1 !== c
      const hh = c1 !== c
      const vv = v0 !== v1
      if (!vh && !hh && !vv) continue
      check.differing++
      if (vh) check.viewVsHistory++
      if (hh) check.historyVsHistory++
      if (vv) check.viewVsView++
      if (check.examples.length < 10) {
        const differs = Object.entries(sources)
          .filter(([, m]) => canonical(m) !== c)
          .map(([name, m]) => `${name}: ${fieldsDiffering(truth, m)}`)
        const views = [0, 1].filter((i) => canonical(s.views[i]!.messages.get(seq)) !== c)
        check.examples.push({ pair: s.pair, seq, differs, rev: truth?.rev ?? 0, views })
      }
    }
  }
  return check
}
