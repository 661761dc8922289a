// The user's Web Push subscriptions (one per device) and sending to them: only to allowed
// push services, dropping a subscription the service says is gone or that keeps failing.
import type { Env } from '../env.ts'
import {
  isKnownPushService,
  type PushNotice,
  type PushOutcome,
  pushConfigured,
  pushServiceHosts,
  type StoredSubscription,
  sendPush,
} from '../push/web-push.ts'

/** Devices per user that get pushes; the oldest subscription makes way for a new one. */
export const MAX_PUSH_SUBSCRIPTIONS = 20
/** Consecutive failed pushes (5xx, other non-2xx, network errors) after which a subscription is dropped. */
export const MAX_PUSH_FAILURES = 5

export class PushSender {
  constructor(
    private readonly sql: SqlStorage,
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
  ) {}

  add(sub: StoredSubscription): void {
    this.storage.transactionSync(() => {
      this.sql.exec(
        `insert into push_subscriptions (endpoint, p256dh, auth, created_at) values (?, ?, ?, ?)
         on conflict (endpoint) do update set p256dh = excluded.p256dh, auth = excluded.auth`,
        sub.endpoint,
        sub.p256dh,
        sub.auth,
        new Date().toISOString(),
      )
      this.sql.exec(
        'delete from push_subscriptions where endpoint not in (select endpoint from push_subscriptions order by created_at desc limit ?)',
        MAX_PUSH_SUBSCRIPTIONS,
      )
    })
  }

  remove(endpoint: string): boolean {
    return this.sql.exec('delete from push_subscriptions where endpoint = ?', endpoint).rowsWritten > 0
  }

  count(): number {
    return this.sql.exec<{ n: number }>('select count(*) as n from push_subscriptions').one().n
  }

  /** The subscriptions pushes may go to; one stored before its host left the allow-list is dropped. */
  private targets(): StoredSubscription[] {
    if (!pushConfigured(this.env)) return []
    const hosts = pushServiceHosts(this.env)
    const stored = this.sql
      .exec<StoredSubscription & Record<string, SqlStorageValue>>(
        'select endpoint, p256dh, auth from push_subscriptions',
      )
      .toArray()
    const subs: StoredSubscription[] = []
    for (const s of stored) {
      if (isKnownPushService(s.endpoint, hosts)) subs.push(s)
      else this.remove(s.endpoint)
    }
    return subs
  }

  /** Pushes each notice to every device; returns the notices at least one push service accepted. */
  async send(notices: readonly PushNotice[]): Promise<PushNotice[]> {
    let subs = this.targets()
    const accepted: PushNotice[] = []
    for (const notice of notices) {
      if (subs.length === 0) break
      const outcomes = await Promise.all(subs.map((s) => sendPush(this.env, s, notice)))
      if (outcomes.includes('sent')) accepted.push(notice)
      subs = subs.filter((s, i) => this.noteOutcome(s.endpoint, outcomes[i]!))
    }
    return accepted
  }

  /**
   * 404/410 drop a subscription at once; any other failure only after MAX_PUSH_FAILURES in
   * a row, and a delivered push starts the count again. True while the subscription stays.
   */
  private noteOutcome(endpoint: string, outcome: PushOutcome): boolean {
    if (outcome === 'sent') {
      this.sql.exec('update push_subscriptions set failures = 0 where endpoint = ? and failures > 0', endpoint)
      return true
    }
    if (outcome === 'gone') {
      this.remove(endpoint)
      return false
    }
    this.sql.exec('update push_subscriptions set failures = failures + 1 where endpoint = ?', endpoint)
    const dropped = this.sql.exec(
      'delete from push_subscriptions where endpoint = ? and failures >= ?',
      endpoint,
      MAX_PUSH_FAILURES,
    ).rowsWritten
    return dropped === 0
  }
}
