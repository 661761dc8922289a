// The `since` of the chat socket's upgrade (client/src/chat/rev-cursor.ts): it moves only on
// what was received, and past a replay only once the whole replay is in.
import { describe, expect, it } from 'vitest'
import { RevCursor } from '../../client/src/chat/rev-cursor.ts'

describe('the rev a reconnect resumes from', () => {
  it('starts from the newest history page of an empty conversation', () => {
    const cursor = new RevCursor()
    cursor.seed([3, 9, 5])
    expect(cursor.since()).toBe(9)
  })

  it('follows live messages and updates', () => {
    const cursor = new RevCursor()
    cursor.ready(0, 0, 0)
    expect(cursor.replaying()).toBe(false)
    cursor.received('message', 1, 1)
    cursor.received('update', 1, 2)
    expect(cursor.since()).toBe(2)
  })

  it('stays put through a replay cut short, whose updates come in seq order', () => {
    const cursor = new RevCursor()
    cursor.seed([10])
    // Away: message 2 was edited (rev 14), message 1 reacted to (rev 12), message 5 arrived (rev 15).
    cursor.ready(4, 5, 15)
    cursor.received('update', 2, 14)
    cursor.closed()
    // Update 1 (rev 12) never arrived: asking from 14 would lose it.
    expect(cursor.since()).toBe(10)
  })

  it('moves to the lastRev of ready once the newest replayed message is in', () => {
    const cursor = new RevCursor()
    cursor.seed([10])
    cursor.ready(4, 5, 15)
    cursor.received('update', 1, 12)
    cursor.received('update', 2, 14)
    expect(cursor.since()).toBe(10)
    cursor.received('message', 5, 15)
    expect([cursor.replaying(), cursor.since()]).toEqual([false, 15])
  })

  it('ends a replay of updates alone at the answer to a ping sent after ready', () => {
    const cursor = new RevCursor()
    cursor.seed([10])
    cursor.ready(5, 5, 13)
    cursor.received('update', 2, 13)
    cursor.received('update', 4, 11)
    expect(cursor.since()).toBe(10)
    cursor.replayOver()
    expect(cursor.since()).toBe(13)
  })

  it('has nothing to wait for when nothing changed while away', () => {
    const cursor = new RevCursor()
    cursor.seed([10])
    cursor.ready(5, 5, 10)
    expect(cursor.replaying()).toBe(false)
  })
})
