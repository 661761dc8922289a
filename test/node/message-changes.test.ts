// The client's rules for edits, deletions and reactions (client/src/chat/message-changes.ts):
// what is offered, when a queued change is done, how it looks meanwhile, how the queue folds.
import { describe, expect, it } from 'vitest'
import {
  canDelete,
  canEdit,
  canReact,
  describeChangeError,
  describeWindow,
  EDIT_WINDOW_MS,
  isInEffect,
  type MessageFacts,
  type PendingChange,
  queueChange,
  quoteOf,
  showWithChanges,
  withReaction,
} from '../../client/src/chat/message-changes.ts'

const ME = 'me'
const PEER = 'peer'
const NOW = Date.parse('2026-11-25T12:00:00.000Z')

function message(over: Partial<MessageFacts> = {}): MessageFacts {
  return { seq: 3, senderId: ME, sentAt: new Date(NOW - 60_000).toISOString(), body: 'hello', ...over }
}

let n = 0
function pending(change: PendingChange['change'], status: PendingChange['status'] = 'queued'): PendingChange {
  n += 1
  return { id: `c${n}`, change, createdAt: new Date(NOW).toISOString(), status }
}

describe('what a message offers', () => {
  it('offers editing one’s own message only within the edit window', () => {
    expect(canEdit(message(), ME, NOW)).toBe(true)
    expect(canEdit(message({ sentAt: new Date(NOW - EDIT_WINDOW_MS).toISOString() }), ME, NOW)).toBe(false)
    expect(canEdit(message(), ME, NOW, 30_000)).toBe(false)
    expect(canEdit(message({ senderId: PEER }), ME, NOW)).toBe(false)
  })

  it('offers nothing but showing on a deleted or unacknowledged message', () => {
    const deleted = message({ deletedAt: new Date(NOW).toISOString(), body: '' })
    expect([canEdit(deleted, ME, NOW), canDelete(deleted, ME), canReact(deleted)]).toEqual([false, false, false])
    const unsent = message({ seq: null })
    expect([canEdit(unsent, ME, NOW), canDelete(unsent, ME), canReact(unsent)]).toEqual([false, false, false])
  })

  it('lets either member react but only the sender delete', () => {
    const theirs = message({ senderId: PEER })
    expect(canReact(theirs)).toBe(true)
    expect(canDelete(theirs, ME)).toBe(false)
  })
})

describe('when a change is done', () => {
  it('counts an edit done once the message has that body', () => {
    const edit = { type: 'edit', seq: 3, body: 'new' } as const
    expect(isInEffect(edit, message(), ME)).toBe(false)
    expect(isInEffect(edit, message({ body: 'new' }), ME)).toBe(true)
  })

  it('does not take a peer’s reaction on the same message for one’s own edit', () => {
    const edit = { type: 'edit', seq: 3, body: 'new' } as const
    expect(isInEffect(edit, message({ reactions: { '👍': [PEER] } }), ME)).toBe(false)
  })

  it('counts a reaction done once the person is, or is no longer, among its reactors', () => {
    const on = { type: 'react', seq: 3, emoji: '👍', on: true } as const
    const off = { ...on, on: false }
    expect(isInEffect(on, message({ reactions: { '👍': [PEER] } }), ME)).toBe(false)
    expect(isInEffect(on, message({ reactions: { '👍': [PEER, ME] } }), ME)).toBe(true)
    expect(isInEffect(off, message(), ME)).toBe(true)
  })

  it('counts a deletion done once the message is deleted', () => {
    expect(isInEffect({ type: 'delete', seq: 3 }, message(), ME)).toBe(false)
    expect(isInEffect({ type: 'delete', seq: 3 }, message({ deletedAt: 'x', body: '' }), ME)).toBe(true)
  })
})

describe('how a message looks before the server confirms', () => {
  it('shows an edit, a reaction and then a deletion in the order they were made', () => {
    const m = message()
    const edited = showWithChanges(m, [pending({ type: 'edit', seq: 3, body: 'better' })], ME)
    expect([edited.body, Boolean(edited.editedAt), edited.changePending]).toEqual(['better', true, true])

    const reacted = showWithChanges(m, [pending({ type: 'react', seq: 3, emoji: '🙏', on: true })], ME)
    expect(reacted.reactions).toEqual({ '🙏': [ME] })

    const gone = showWithChanges(
      { ...m, reactions: { '👍': [PEER] }, replyTo: { seq: 1, senderId: PEER, preview: 'hi' } },
      [pending({ type: 'react', seq: 3, emoji: '🙏', on: true }), pending({ type: 'delete', seq: 3 })],
      ME,
    )
    expect([gone.body, Boolean(gone.deletedAt), gone.reactions, gone.replyTo]).toEqual(['', true, undefined, undefined])
  })

  it('ignores changes to other messages and ones the server already shows', () => {
    const m = message({ reactions: { '👍': [ME] } })
    const shown = showWithChanges(
      m,
      [pending({ type: 'edit', seq: 4, body: 'other' }), pending({ type: 'react', seq: 3, emoji: '👍', on: true })],
      ME,
    )
    expect([shown.body, shown.changePending]).toEqual(['hello', false])
  })
})

describe('the queue of changes', () => {
  it('cancels a reaction taken back before it was sent', () => {
    const on = pending({ type: 'react', seq: 3, emoji: '👍', on: true })
    expect(queueChange([on], pending({ type: 'react', seq: 3, emoji: '👍', on: false }))).toEqual([])
  })

  it('keeps a reaction taken back after it went out, so both reach the server in order', () => {
    const on = pending({ type: 'react', seq: 3, emoji: '👍', on: true }, 'sending')
    const off = pending({ type: 'react', seq: 3, emoji: '👍', on: false })
    expect(queueChange([on], off)).toEqual([on, off])
  })

  it('keeps only the last of several waiting edits of one message', () => {
    const first = pending({ type: 'edit', seq: 3, body: 'one' })
    const other = pending({ type: 'edit', seq: 4, body: 'elsewhere' })
    const second = pending({ type: 'edit', seq: 3, body: 'two' })
    expect(queueChange([first, other], second)).toEqual([other, second])
  })

  it('drops waiting edits and reactions of a message that is then deleted', () => {
    const edit = pending({ type: 'edit', seq: 3, body: 'one' })
    const react = pending({ type: 'react', seq: 3, emoji: '😂', on: true })
    const sent = pending({ type: 'edit', seq: 3, body: 'sent' }, 'sending')
    const del = pending({ type: 'delete', seq: 3 })
    expect(queueChange([edit, sent, react], del)).toEqual([sent, del])
  })
})

describe('reactions and quotes', () => {
  it('adds and removes one person’s reaction without touching the others', () => {
    expect(withReaction({ '👍': [PEER] }, '👍', ME, true)).toEqual({ '👍': [PEER, ME] })
    expect(withReaction({ '👍': [PEER, ME], '😂': [ME] }, '😂', ME, false)).toEqual({ '👍': [PEER, ME] })
    expect(withReaction({ '😂': [ME] }, '😂', ME, false)).toBeUndefined()
  })

  it('quotes the first 140 characters of a message, and nothing once it is deleted', () => {
    const long = '🙂'.repeat(200)
    expect(quoteOf({ seq: 2, senderId: PEER, body: long }).preview).toBe('🙂'.repeat(140))
    expect(quoteOf({ seq: 2, senderId: PEER, body: '', deletedAt: 'x' })).toEqual({
      seq: 2,
      senderId: PEER,
      preview: '',
    })
  })
})

describe('refusals, in words', () => {
  it('explains an edit refused after the edit window', () => {
    expect(describeChangeError({ type: 'edit', seq: 3, body: 'x' }, 'not-allowed', 'Not allowed.', message())).toBe(
      'Your edit was not saved: you can only edit a message for 24 hours.',
    )
  })

  it('states the server’s edit window as it is', () => {
    expect([describeWindow(EDIT_WINDOW_MS), describeWindow(15 * 60_000), describeWindow(1000)]).toEqual([
      '24 hours',
      '15 minutes',
      '1 second',
    ])
    const edit = { type: 'edit', seq: 3, body: 'x' } as const
    expect(describeChangeError(edit, 'not-allowed', '', message(), 2 * 3_600_000)).toBe(
      'Your edit was not saved: you can only edit a message for 2 hours.',
    )
  })

  it('explains a reaction on a message deleted meanwhile', () => {
    const react = { type: 'react', seq: 3, emoji: '👍', on: true } as const
    expect(describeChangeError(react, 'not-allowed', '', message({ deletedAt: 'x' }))).toBe(
      'Your reaction was not changed: that message was deleted.',
    )
  })

  it('passes on the server’s own words for anything else', () => {
    expect(describeChangeError({ type: 'delete', seq: 3 }, 'bad-frame', 'Something odd.', undefined)).toBe(
      'The message was not deleted: something odd.',
    )
  })
})
