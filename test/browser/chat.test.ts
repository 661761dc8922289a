// Chat journeys in Chromium, two browser contexts as two people: finding each other,
// messages both ways, read ticks, typing, going offline and coming back, long histories.
import type { WebSocket as PageSocket } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import type { Message } from '../../protocol/api.ts'
import {
  describeViolations,
  type newPerson,
  screenshotWidths,
  seriousA11yViolations,
  usePeople,
} from './helpers/browser.ts'
import {
  composer,
  conversationReady,
  deliveryState,
  loggedMessages,
  messageRow,
  openEachOther,
  registerWithForm,
  sendMessage,
  signedUpPair,
  startConversation,
  uniqueWord,
} from './helpers/chat.ts'
import { openNodeChat, sessionCookie } from './helpers/node-chat.ts'
import { createSuperuser } from './helpers/staff.ts'

const baseUrl = inject('baseUrl')
const { person } = usePeople(baseUrl)

/** Two signed-in people with the same unique last name, each on their chats screen. */
async function pair(options?: Parameters<typeof newPerson>[2]) {
  const p = await signedUpPair(person, { context: options })
  await Promise.all([p.a.page.goto('/'), p.b.page.goto('/')])
  return p
}

/** Both people have the conversation open and connected. */
async function talking(options?: Parameters<typeof newPerson>[2]) {
  return openEachOther(await pair(options))
}

describe('talking to someone', () => {
  it('lets two newly registered people find each other by name and exchange messages both ways', async () => {
    const family = uniqueWord('Reg')
    const a = await person()
    const b = await person()
    const grace = await registerWithForm(a.page, 'Grace', family)
    const alan = await registerWithForm(b.page, 'Alan', family)

    await startConversation(a.page, `alan ${family.toLowerCase()}`, alan.name)
    expect(new URL(a.page.url()).pathname).toBe(`/c/${alan.user.id}`)
    await sendMessage(a.page, 'Hello Alan, it is Grace.')
    await expect.poll(() => deliveryState(a.page, 'Hello Alan')).not.toBe('queued')

    // Alan's list shows the new conversation live, with its preview and an unread badge.
    const row = b.page.locator(`.conv-item[data-peer="${grace.user.id}"]`)
    await row.filter({ hasText: 'Hello Alan, it is Grace.' }).waitFor()
    await row.locator('.conv-unread').waitFor()
    await row.click()
    await conversationReady(b.page, grace.name)
    await messageRow(b.page, 'Hello Alan, it is Grace.').waitFor()
    await sendMessage(b.page, 'Hi Grace!\nTwo lines, with Shift+Enter.')

    await messageRow(a.page, 'Hi Grace!').waitFor()
    const seen = await loggedMessages(a.page)
    expect(seen.map((m) => [m.seq, m.body, m.mine])).toEqual([
      [1, 'Hello Alan, it is Grace.', true],
      [2, 'Hi Grace!\nTwo lines, with Shift+Enter.', false],
    ])
    // The composer is empty again and still has focus, ready for the next line.
    expect(await composer(b.page).inputValue()).toBe('')
  })

  it('sends on Enter, starts a new line on Shift+Enter and counts down near the limit', async () => {
    const { a, bob } = await pair()
    await a.page.goto(`/c/${bob.user.id}`)
    await conversationReady(a.page, bob.name)
    const box = composer(a.page)
    await box.click()
    await a.page.keyboard.type('first line')
    await a.page.keyboard.press('Shift+Enter')
    await a.page.keyboard.type('second line')
    expect(await box.inputValue()).toBe('first line\nsecond line')
    await a.page.keyboard.press('Enter')
    await messageRow(a.page, 'second line').waitFor()

    await box.fill('x'.repeat(3990))
    await a.page.getByText('10 characters left').waitFor()
    await box.fill('🙂'.repeat(4001))
    await a.page.getByText('1 character over the limit of 4,000').waitFor()
    await box.press('Enter')
    // Refused locally: still in the composer, nothing new in the log.
    expect((await loggedMessages(a.page)).length).toBe(1)
  })

  it('shows delivered ticks once the recipient’s device has a message, read ticks only once it is on screen', async () => {
    const { a, b, ada, bob } = await pair()
    await a.page.goto(`/c/${bob.user.id}`)
    await conversationReady(a.page, bob.name)
    await sendMessage(a.page, 'Are you there?')

    // Bob's list has it (his notifications socket got it) while he has not opened it: delivered, not read.
    await b.page.locator(`.conv-item[data-peer="${ada.user.id}"] .conv-unread`).waitFor()
    await expect.poll(() => deliveryState(a.page, 'Are you there?')).toBe('delivered')

    await b.page.locator(`.conv-item[data-peer="${ada.user.id}"]`).click()
    await messageRow(b.page, 'Are you there?').waitFor()
    await expect.poll(() => deliveryState(a.page, 'Are you there?')).toBe('read')
    await expect.poll(() => b.page.locator('.conv-unread').count()).toBe(0)
  })

  it('shows that the other person is typing, and stops a few seconds after they stop', async () => {
    const { a, b } = await talking()
    const typing = a.page.locator('.conv-header').getByText('typing…')
    await composer(b.page).pressSequentially('I am writing some', { delay: 40 })
    await typing.waitFor()
    await typing.waitFor({ state: 'detached', timeout: 8_000 })
    await composer(b.page).pressSequentially(' more', { delay: 40 })
    await typing.waitFor()
    // The message itself ends the indicator.
    await composer(b.page).press('Enter')
    await messageRow(a.page, 'I am writing some more').waitFor()
    await typing.waitFor({ state: 'detached' })
  })
})

describe('connection trouble', () => {
  it('gets every message exactly once and in order after being offline, and delivers what was written offline', async () => {
    const { a, b, ada, bob } = await talking()
    await sendMessage(a.page, 'before the tunnel')
    await messageRow(b.page, 'before the tunnel').waitFor()

    const adaSockets: PageSocket[] = []
    a.page.on('websocket', (ws) => {
      if (ws.url().includes('/api/conversations/')) adaSockets.push(ws)
    })
    await a.context.setOffline(true)
    // Chromium keeps an open socket through emulated offline and just holds its frames; the
    // client must notice on its own and say so.
    await a.page.locator('.connection').getByText('You are offline.').waitFor()

    await composer(a.page).fill('written in the tunnel')
    await composer(a.page).press('Enter')
    await expect.poll(() => deliveryState(a.page, 'written in the tunnel')).toBe('queued')
    await a.page.getByText('1 unsent message will go when it is back.').waitFor()

    const awayBodies = ['while you were away 1', 'while you were away 2', 'while you were away 3']
    for (const body of awayBodies) await sendMessage(b.page, body)
    await expect.poll(() => deliveryState(b.page, 'while you were away 3')).not.toBe('queued')
    // Nothing reached Ada while offline.
    expect((await loggedMessages(a.page)).map((m) => m.body)).toEqual(['before the tunnel', 'written in the tunnel'])
    expect(adaSockets).toHaveLength(0)

    await a.context.setOffline(false)
    await messageRow(a.page, 'while you were away 3').waitFor()
    await expect.poll(() => deliveryState(a.page, 'written in the tunnel')).not.toBe('queued')
    await messageRow(b.page, 'written in the tunnel').waitFor()

    // The new socket resumed after the last message Ada had seen.
    expect(adaSockets.map((ws) => new URL(ws.url()).searchParams.get('after'))).toEqual(['1'])

    const expected = ['before the tunnel', ...awayBodies]
    const onA = await loggedMessages(a.page)
    expect(onA.slice(0, 4).map((m) => [m.seq, m.body])).toEqual(expected.map((body, i) => [i + 1, body]))
    expect(onA.map((m) => m.body).sort()).toEqual([...expected, 'written in the tunnel'].sort())
    expect(onA.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5])
    await expect
      .poll(async () => (await loggedMessages(b.page)).map((m) => [m.seq, m.body]))
      .toEqual([...expected, 'written in the tunnel'].map((body, i) => [i + 1, body]))

    // Stored once: the history route agrees with both screens.
    const res = await a.context.request.get(`/api/conversations/${bob.user.id}/messages`)
    const { messages } = (await res.json()) as { messages: Message[] }
    expect(messages.map((m) => m.body)).toEqual([...expected, 'written in the tunnel'])
    expect(messages.filter((m) => m.senderId === ada.user.id).map((m) => m.body)).toEqual([
      'before the tunnel',
      'written in the tunnel',
    ])
  })

  it('notices a connection that silently stopped answering, through the heartbeat', async () => {
    const { a, b, ada, bob } = await pair()
    // The page is not told that the network went away: only an unanswered ping can reveal it.
    await a.context.addInitScript(() => {
      window.addEventListener('offline', (event) => event.stopImmediatePropagation(), true)
    })
    const pings: string[] = []
    a.page.on('websocket', (ws) => {
      if (!ws.url().includes('/api/conversations/')) return
      ws.on('framesent', (frame) => {
        if (String(frame.payload).includes('ping')) pings.push(String(frame.payload))
      })
    })
    await a.page.goto(`/c/${bob.user.id}`)
    await conversationReady(a.page, bob.name)
    await b.page.goto(`/c/${ada.user.id}`)
    await conversationReady(b.page, ada.name)

    await a.context.setOffline(true)
    // A ping every 25 s, then 10 s for an answer: the client gives up on the socket.
    await a.page.locator('.connection').waitFor({ timeout: 50_000 })
    expect(pings.length).toBeGreaterThan(0)
    expect(new Set(pings)).toEqual(new Set(['{"type":"ping"}']))

    await sendMessage(b.page, 'sent while the link was dead')
    await a.context.setOffline(false)
    await messageRow(a.page, 'sent while the link was dead').waitFor()
    await a.page.locator('.connection').waitFor({ state: 'detached' })
    expect((await loggedMessages(a.page)).map((m) => m.seq)).toEqual([1])
  }, 120_000)

  it('keeps a message written offline through a reload and sends it once the network is back', async () => {
    const { a, b, bob } = await talking()
    await a.context.setOffline(true)
    await a.page.locator('.connection').getByText('You are offline.').waitFor()
    await composer(a.page).fill('typed offline, then the tab reloaded')
    await composer(a.page).press('Enter')
    await expect.poll(() => deliveryState(a.page, 'typed offline')).toBe('queued')
    // Still offline: the reload itself fails, and the page is gone with everything in memory.
    await a.page.reload().catch(() => {})
    await a.context.setOffline(false)
    // Back on the chats list, not in the conversation: the tab still sends what was queued.
    await a.page.goto('/')
    await messageRow(b.page, 'typed offline, then the tab reloaded').waitFor()
    await a.page.goto(`/c/${bob.user.id}`)
    await conversationReady(a.page, bob.name)
    await expect
      .poll(async () => (await loggedMessages(a.page)).map((m) => [m.seq, m.body]))
      .toEqual([[1, 'typed offline, then the tab reloaded']])
    expect((await loggedMessages(b.page)).map((m) => m.body)).toEqual(['typed offline, then the tab reloaded'])
  })
})

describe('session and server events', () => {
  it('sends a person whose session ended elsewhere from an open conversation to sign in', async () => {
    const { a, bob } = await talking()
    // Logging out revokes the session; the server closes its sockets with 4401.
    const res = await a.context.request.post('/api/auth/logout')
    expect(res.status()).toBe(204)
    await a.page.waitForURL((url) => url.pathname === '/signin')
    expect(new URL(a.page.url()).searchParams.get('next')).toBe(`/c/${bob.user.id}`)
    await a.page.getByText('Your session ended. Sign in again to continue.').waitFor()
  })

  it('shows when an administrator viewed the stored messages, live and in the history', async () => {
    const { a, ada, bob } = await talking()
    await sendMessage(a.page, 'Nothing to hide here.')
    const staff = await createSuperuser(baseUrl, inject('persistTo'))
    const cookie = await sessionCookie(baseUrl, staff)
    // Rooms reach the admin list with the batched counters, a moment after their first message.
    const findRoom = async () => {
      const list = await fetch(`${baseUrl}/api/admin/conversations`, { headers: { cookie } })
      const { conversations } = (await list.json()) as { conversations: { roomId: string; members: string[] }[] }
      return conversations.find((c) => c.members.includes(ada.user.id) && c.members.includes(bob.user.id))
    }
    await expect.poll(findRoom, { timeout: 15_000 }).toBeTruthy()
    const room = await findRoom()
    const viewed = await fetch(`${baseUrl}/api/admin/conversations/${room!.roomId}/messages`, { headers: { cookie } })
    expect(viewed.status).toBe(200)

    const notice = a.page.locator('.log-notice', {
      hasText: 'An administrator viewed this conversation’s stored messages on',
    })
    await notice.waitFor()
    await a.page.reload()
    await conversationReady(a.page, bob.name)
    await notice.waitFor()
    expect(await notice.count()).toBe(1)
  })
})

describe('long conversations', () => {
  it('loads older messages while scrolling up, keeping the message in view where it was', async () => {
    const { a, ada, bob } = await pair()
    const total = 180
    const [cookieA, cookieB] = await Promise.all([sessionCookie(baseUrl, ada), sessionCookie(baseUrl, bob)])
    // Several sockets share the seeding: each one stays under the server's per-socket frame rate.
    const sockets = await Promise.all([
      openNodeChat(baseUrl, cookieA, bob.user.id),
      openNodeChat(baseUrl, cookieB, ada.user.id),
      openNodeChat(baseUrl, cookieA, bob.user.id),
      openNodeChat(baseUrl, cookieB, ada.user.id),
    ])
    let next = 1
    await Promise.all(
      sockets.map(async (socket) => {
        while (next <= total) {
          const n = next++
          await socket.send(`history line ${n}${n % 5 === 0 ? '\nwith a second line' : ''}`)
          await new Promise((resolve) => setTimeout(resolve, 60))
        }
      }),
    )
    // Ada has read them all elsewhere: the log opens at the newest (not at a first unread).
    sockets[0]!.sendFrame({ type: 'read', upTo: total })
    await sockets[0]!.frame((f) => f.type === 'read' && f.userId === ada.user.id && f.upTo === total)
    for (const socket of sockets) socket.close()

    await a.page.goto(`/c/${bob.user.id}`)
    await conversationReady(a.page, bob.name)
    const log = a.page.getByRole('log')
    await a.page.locator(`.msg[data-seq="${total}"]`).waitFor()
    // The newest page only, and the log starts at the bottom.
    expect(await a.page.locator('.msg[data-seq]').count()).toBe(50)
    const firstLoaded = await a.page.locator('.msg[data-seq]').first().getAttribute('data-seq')

    const topOf = (seq: string) =>
      a.page.evaluate((s) => {
        const logBox = document.querySelector('.log')!.getBoundingClientRect()
        return Math.round(document.querySelector(`.msg[data-seq="${s}"]`)!.getBoundingClientRect().top - logBox.top)
      }, seq)
    // Scrolled to the top and measured in one go, before the older page can arrive.
    const before = await log.evaluate((el, s) => {
      el.scrollTo({ top: 0 })
      const row = document.querySelector(`.msg[data-seq="${s}"]`)!
      return Math.round(row.getBoundingClientRect().top - el.getBoundingClientRect().top)
    }, firstLoaded)
    await a.page.locator(`.msg[data-seq="${Number(firstLoaded) - 1}"]`).waitFor()
    await a.page.getByText('Loading earlier messages…').waitFor({ state: 'detached' })
    // The page above arrived; the message that was in view did not move.
    expect(Math.abs((await topOf(firstLoaded!)) - before)).toBeLessThanOrEqual(2)

    // Keep going to the very first message; only a window of rows is ever in the DOM.
    for (let i = 0; i < 40 && (await a.page.locator('.msg[data-seq="1"]').count()) === 0; i++) {
      await log.evaluate((el) => el.scrollBy({ top: -2000 }))
      await a.page.waitForFunction(() => !document.querySelector('.log-start')?.textContent?.includes('Loading'))
    }
    await a.page.locator('.msg[data-seq="1"]').waitFor()
    await a.page.getByText(`This is the beginning of your conversation with ${bob.name}.`).waitFor()
    const rendered = await a.page.locator('.msg[data-seq]').count()
    expect(rendered).toBeLessThan(total)
    const seqs = (await loggedMessages(a.page)).map((m) => m.seq!)
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
    expect(new Set(seqs).size).toBe(seqs.length)

    await a.page.getByRole('button', { name: 'Latest messages' }).click()
    await a.page.locator(`.msg[data-seq="${total}"]`).waitFor()
  })
})

describe('look and accessibility', () => {
  it('renders the chats list and a conversation at phone and desktop widths', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const suffix = colorScheme === 'dark' ? '-dark' : ''
      const { a, b, ada, bob } = await talking({ colorScheme })
      await sendMessage(a.page, 'Shall we meet at the harbour at six?')
      await sendMessage(b.page, 'Yes! I will bring the map.')
      await sendMessage(a.page, 'Perfect. See you there 🙂')
      await expect.poll(() => deliveryState(a.page, 'Perfect.')).toBe('read')
      await composer(b.page).pressSequentially('On my way to the harbour now, see you in a minute', { delay: 70 })
      await a.page.locator('.conv-header').getByText('typing…').waitFor()
      const paths = await screenshotWidths(a.page, `conversation${suffix}`)
      expect(paths).toHaveLength(2)

      await b.page.goto('/')
      await b.page.locator(`.conv-item[data-peer="${ada.user.id}"]`).waitFor()
      await screenshotWidths(b.page, `chats${suffix}`)
      expect(bob.user.id).not.toBe(ada.user.id)
    }
  })

  it('shows the list and the conversation as separate screens on a phone, with a way back', async () => {
    const { a, ada, bob } = await talking({ viewport: { width: 360, height: 740 } })
    await sendMessage(a.page, 'small screen hello')
    await a.page.getByRole('link', { name: 'Back to chats' }).click()
    await a.page.waitForURL(`${baseUrl}/`)
    await a.page.locator(`.conv-item[data-peer="${bob.user.id}"]`).click()
    await conversationReady(a.page, bob.name)
    // On a phone the list is gone while a conversation is open (its h1 stays, visually hidden).
    expect(await a.page.getByRole('list', { name: 'Conversations' }).isVisible()).toBe(false)
    expect(ada.user.id).not.toBe(bob.user.id)
  })

  it('has no serious or critical axe violations on the chats list and in a conversation', async () => {
    const found: string[] = []
    for (const colorScheme of ['light', 'dark'] as const) {
      const { a, b, ada } = await talking({ colorScheme })
      const check = async (name: string) => {
        const violations = await seriousA11yViolations(b.page)
        if (violations.length > 0) found.push(`${name} (${colorScheme}):\n${describeViolations(violations)}`)
      }
      await sendMessage(a.page, 'A message to check colours and names with.')
      await sendMessage(b.page, 'And a reply.')
      await check('conversation')
      await b.page.goto('/')
      await b.page.locator(`.conv-item[data-peer="${ada.user.id}"]`).waitFor()
      await b.page.getByRole('button', { name: 'New conversation' }).click()
      await b.page.getByRole('searchbox', { name: 'Find people' }).fill('nobody-by-this-name')
      await b.page.getByText('No one found').waitFor()
      await check('chats list with search')
    }
    expect(found, found.join('\n\n')).toEqual([])
  })
})
