// The files of one conversation on their way to the server: chosen for the next message (the
// composer's drafts), then in messages not stored yet. Each starts uploading as soon as it is
// chosen, a few at a time; it waits for the network (with backoff, and at once when the browser
// is back online) or for Retry-After, and fails with the server's words when refused. While its
// message waits in the outbox its bytes are kept in IndexedDB, so a reload does not lose them.
import { unwrap } from 'solid-js/store'
import type { Attachment } from '../../../protocol/api.ts'
import { api } from '../api.ts'
import { admitFiles, isInlineImage } from './attachment-rules.ts'
import { backoffDelay } from './backoff.ts'
import type { ConversationStore, LocalFile } from './conversation-store.ts'
import { dropFiles, keepFiles, loadFile } from './file-store.ts'
import type { OutgoingFile } from './outbox.ts'
import { readImage } from './thumbnail.ts'
import { type RunningUpload, type UploadParts, uploadAttachment } from './uploads.ts'

/** Uploads running at once per conversation; the rest wait their turn. */
export const PARALLEL_UPLOADS = 3
/**
 * A server error this many times in a row ends the upload, as does a failed request while the
 * browser says it is online (a file that can no longer be read fails that way too). While the
 * browser is offline an upload waits as long as it takes.
 */
const MAX_FAILED_TRIES = 5
/** Offline, the `online` event wakes waiting uploads; this is only a backstop. */
const OFFLINE_CHECK_MS = 30_000

export interface FileHooks {
  /** A file of a queued message is on the server: the outbox records it, and the message may go. */
  uploaded(clientId: string, localId: string, attachment: Attachment): void
  /** A file of a queued message cannot be uploaded: the message fails, saying why. */
  failed(clientId: string, problem: string): void
  /** The server said 401: the person must sign in again. */
  sessionEnded(): void
}

// Photos one sent from this page keep their local preview once stored: no download to see them.
const sentPreviews = new Map<string, string>()

/** A blob: URL of a photo this page uploaded, by attachment id. */
export function localPreviewOf(attachmentId: string): string | undefined {
  return sentPreviews.get(attachmentId)
}

export function forgetLocalPreviews(): void {
  for (const url of sentPreviews.values()) URL.revokeObjectURL(url)
  sentPreviews.clear()
}

interface Job {
  parts: UploadParts
  state: 'queued' | 'running' | 'waiting' | 'done' | 'failed'
  running: RunningUpload | null
  timer: ReturnType<typeof setTimeout> | undefined
  attempt: number
  failedTries: number
  /** Waiting for the network (not for a server's Retry-After): the `online` event wakes it. */
  offline: boolean
}

/** A pasted image has a generic name ("image.png"), or none: name it after the time. */
function nameOf(file: File): string {
  if (file.name && file.name !== 'image.png') return file.name
  const ext = file.type.startsWith('image/') ? file.type.slice(6).replace('jpeg', 'jpg') : 'bin'
  const now = new Date()
  const two = (n: number) => String(n).padStart(2, '0')
  const day = `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}`
  const time = `${two(now.getHours())}.${two(now.getMinutes())}.${two(now.getSeconds())}`
  return `Pasted image ${day} at ${time}.${ext}`
}

const quoted = (name: string) => `“${name}”`

export function createConversationFiles(store: ConversationStore, peerId: string, hooks: FileHooks) {
  const { state, setState } = store
  /** Where each file is: null for a draft, else the clientId of its message. */
  const owners = new Map<string, string | null>()
  const jobs = new Map<string, Job>()
  const previews = new Map<string, string>()
  /** The attachment id of each file uploaded. */
  const uploadedAs = new Map<string, string>()
  let disposed = false

  function patch(localId: string, change: Partial<LocalFile>): void {
    const owner = owners.get(localId)
    if (owner === undefined) return
    if (owner === null) {
      setState('drafts', (f) => f.localId === localId, change)
      return
    }
    const i = state.messages.findIndex((m) => m.seq === null && m.clientId === owner)
    const files = state.messages[i]?.files
    const j = files ? files.findIndex((f) => f.localId === localId) : -1
    if (j >= 0) setState('messages', i, 'files', j, change)
  }

  function preview(localId: string, blob: Blob): string {
    const url = URL.createObjectURL(blob)
    previews.set(localId, url)
    return url
  }

  function forget(localId: string): void {
    const job = jobs.get(localId)
    if (job) {
      clearTimeout(job.timer)
      job.running?.abort()
      jobs.delete(localId)
    }
    const url = previews.get(localId)
    if (url) URL.revokeObjectURL(url)
    previews.delete(localId)
    owners.delete(localId)
    uploadedAs.delete(localId)
  }

  function enqueue(localId: string, parts: UploadParts): void {
    const owner = owners.get(localId)
    if (owner === undefined || disposed) return
    jobs.set(localId, {
      parts,
      state: 'queued',
      running: null,
      timer: undefined,
      attempt: 0,
      failedTries: 0,
      offline: false,
    })
    patch(localId, { status: 'queued', problem: null })
    if (owner !== null) persist(owner, [localId])
    run()
  }

  function persist(clientId: string, localIds: readonly string[]): void {
    const records = localIds.flatMap((localId) => {
      const job = jobs.get(localId)
      return job && job.state !== 'done'
        ? [{ localId, clientId, file: job.parts.file, thumbnail: job.parts.thumbnail ?? null }]
        : []
    })
    void keepFiles(records)
  }

  function run(): void {
    let running = 0
    for (const job of jobs.values()) if (job.state === 'running') running++
    for (const [localId, job] of jobs) {
      if (running >= PARALLEL_UPLOADS) return
      if (job.state !== 'queued') continue
      running++
      start(localId, job)
    }
  }

  function wait(localId: string, job: Job, ms: number, problem: string, offline: boolean): void {
    job.state = 'waiting'
    job.offline = offline
    patch(localId, { status: 'waiting', problem })
    job.timer = setTimeout(() => {
      if (job.state !== 'waiting') return
      job.state = 'queued'
      run()
    }, ms)
  }

  function fail(localId: string, problem: string): void {
    const job = jobs.get(localId)
    if (job) job.state = 'failed'
    patch(localId, { status: 'failed', problem })
    const owner = owners.get(localId)
    if (owner) hooks.failed(owner, problem)
  }

  function start(localId: string, job: Job): void {
    if (!navigator.onLine) {
      wait(localId, job, OFFLINE_CHECK_MS, 'Waiting for the network…', true)
      return
    }
    job.state = 'running'
    patch(localId, { status: 'uploading', progress: 0, problem: null })
    const running = uploadAttachment(peerId, job.parts, (fraction) => patch(localId, { progress: fraction }))
    job.running = running
    void running.done.then((outcome) => {
      if (job.running !== running) return
      job.running = null
      const name = quoted(job.parts.name)
      switch (outcome.kind) {
        case 'aborted':
          return
        case 'done': {
          job.state = 'done'
          // The bytes are the server's now; the local preview stays.
          jobs.delete(localId)
          uploadedAs.set(localId, outcome.attachment.id)
          void dropFiles([localId])
          patch(localId, { status: 'uploaded', progress: 1, problem: null, attachment: outcome.attachment })
          const owner = owners.get(localId)
          if (owner) hooks.uploaded(owner, localId, outcome.attachment)
          break
        }
        case 'network':
          if (!navigator.onLine) wait(localId, job, OFFLINE_CHECK_MS, 'Waiting for the network…', true)
          else if (++job.failedTries >= MAX_FAILED_TRIES) {
            fail(localId, `${name} could not be uploaded. Check your connection, then try again.`)
          } else wait(localId, job, backoffDelay(job.attempt++), 'Connection lost; trying again…', true)
          break
        case 'server-error':
          if (++job.failedTries >= MAX_FAILED_TRIES) fail(localId, `${name} could not be uploaded: ${outcome.detail}`)
          else wait(localId, job, backoffDelay(job.attempt++), 'The server had a problem; trying again…', false)
          break
        case 'rate-limited':
          wait(localId, job, outcome.retryAfterMs, 'Waiting a moment: many files at once…', false)
          break
        case 'session-ended':
          job.state = 'failed'
          hooks.sessionEnded()
          return
        case 'refused':
          fail(localId, `${name} could not be sent: ${outcome.detail}`)
          break
      }
      run()
    })
  }

  function onOnline(): void {
    for (const job of jobs.values()) {
      if (job.state !== 'waiting' || !job.offline) continue
      clearTimeout(job.timer)
      job.state = 'queued'
      job.attempt = 0
    }
    run()
  }
  window.addEventListener('online', onOnline)

  async function prepare(localId: string, file: File, name: string): Promise<void> {
    const parts: UploadParts = { file, name }
    if (isInlineImage(file.type)) {
      const facts = await readImage(file)
      if (!owners.has(localId) || disposed) return
      if (facts) {
        parts.width = facts.width
        parts.height = facts.height
        parts.thumbnail = facts.thumbnail
        patch(localId, {
          width: facts.width,
          height: facts.height,
          previewUrl: preview(localId, facts.thumbnail ?? file),
        })
      }
    }
    enqueue(localId, parts)
  }

  const files = {
    /**
     * Adds files to the next message and starts their uploads. Returns what to tell the person
     * about files refused before any byte was sent (too large, empty, too many), or null.
     */
    attach(chosen: readonly File[]): string | null {
      const { accepted, problem } = admitFiles(chosen, state.drafts.length, state.maxAttachmentBytes)
      for (const file of accepted) {
        const localId = crypto.randomUUID()
        const name = nameOf(file)
        owners.set(localId, null)
        const draft: LocalFile = {
          localId,
          name,
          type: file.type || 'application/octet-stream',
          size: file.size,
          status: 'preparing',
          progress: 0,
          problem: null,
        }
        setState('drafts', (list) => [...list, draft])
        void prepare(localId, file, name)
      }
      return problem
    },

    /** The × of a draft: its upload stops, and it is not sent. */
    remove(localId: string): void {
      if (owners.get(localId) !== null) return
      // An upload that finished is taken back, so it does not count against the quota for a day.
      const uploaded = unwrap(state.drafts).find((f) => f.localId === localId)?.attachment
      if (uploaded) void api.delete(`/attachments/${uploaded.id}`).catch(() => {})
      forget(localId)
      setState('drafts', (list) => list.filter((f) => f.localId !== localId))
    },

    /** The drafts go with the message `clientId`: they leave the composer and keep uploading for it. */
    take(clientId: string): LocalFile[] {
      const taken = unwrap(state.drafts).map((f) => ({
        ...f,
        ...(f.attachment ? { attachment: { ...f.attachment } } : {}),
      }))
      for (const f of taken) owners.set(f.localId, clientId)
      setState('drafts', [])
      persist(
        clientId,
        taken.map((f) => f.localId),
      )
      return taken
    },

    /** A queued message from an earlier page of this tab: its files, their bytes fetched back from IndexedDB. */
    restore(clientId: string, outgoing: readonly OutgoingFile[]): LocalFile[] {
      return outgoing.map((f) => {
        owners.set(f.localId, clientId)
        const { attachment, ...facts } = f
        if (attachment) uploadedAs.set(f.localId, attachment.id)
        if (attachment) return { ...facts, attachment, status: 'uploaded', progress: 1, problem: null }
        void loadFile(f.localId).then((stored) => {
          if (!owners.has(f.localId) || disposed) return
          if (!stored) {
            fail(
              f.localId,
              `${quoted(f.name)} was not kept when the page was reloaded. Remove this message and attach the file again.`,
            )
            return
          }
          if (isInlineImage(f.type))
            patch(f.localId, { previewUrl: preview(f.localId, stored.thumbnail ?? stored.file) })
          enqueue(f.localId, {
            file: stored.file,
            name: f.name,
            thumbnail: stored.thumbnail,
            width: f.width,
            height: f.height,
          })
        })
        return { ...facts, status: 'preparing', progress: 0, problem: null }
      })
    },

    /**
     * "Try again" on a message that failed: its failed uploads start over. False when one of them
     * can no longer be (its bytes are gone); `problem` then says which.
     */
    retry(clientId: string): { ok: true } | { ok: false; problem: string } {
      for (const [localId, owner] of owners) {
        if (owner !== clientId) continue
        const job = jobs.get(localId)
        if (job && job.state === 'failed') {
          job.state = 'queued'
          job.attempt = 0
          job.failedTries = 0
          patch(localId, { status: 'queued', problem: null })
          persist(clientId, [localId])
        } else if (!job) {
          const m = state.messages.find((x) => x.seq === null && x.clientId === clientId)
          const file = m?.files?.find((f) => f.localId === localId)
          if (file && !file.attachment && file.status !== 'preparing') {
            return { ok: false, problem: file.problem ?? `${quoted(file.name)} can no longer be sent.` }
          }
        }
      }
      run()
      return { ok: true }
    },

    /** The message is stored: its photos keep their previews under their attachment ids, the rest goes. */
    settle(clientId: string): void {
      const mine = [...owners].filter(([, owner]) => owner === clientId).map(([localId]) => localId)
      if (mine.length === 0) return
      for (const localId of mine) {
        const url = previews.get(localId)
        const id = uploadedAs.get(localId)
        if (url && id) {
          sentPreviews.set(id, url)
          previews.delete(localId)
        }
        forget(localId)
      }
      void dropFiles(mine)
    },

    /** The message is dropped before it was sent: its uploads stop and its bytes go. */
    discard(clientId: string): void {
      const mine = [...owners].filter(([, owner]) => owner === clientId).map(([localId]) => localId)
      for (const localId of mine) forget(localId)
      void dropFiles(mine)
    },

    dispose(): void {
      disposed = true
      window.removeEventListener('online', onOnline)
      for (const localId of [...owners.keys()]) forget(localId)
    },
  }
  return files
}

export type ConversationFiles = ReturnType<typeof createConversationFiles>

/** Every file of `files` is on the server. */
export const allUploaded = (files: readonly Pick<LocalFile, 'attachment'>[] | undefined) =>
  (files ?? []).every((f) => f.attachment !== undefined)
