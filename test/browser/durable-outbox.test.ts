// Unsent messages and drafts that outlive the tab (issue 14, bugs 2 and 5): the outbox and the
// composer's drafts are in IndexedDB per account, any tab of the account sends what is queued
// (one at a time, through a Web Lock), and closing a tab with something unsent asks first.
import type { Page } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import type { Message } from '../../protocol/api.ts'
import { usePeople } from './helpers/browser.ts'
import {
  composer,
  conversationReady,
  deliveryState,
  loggedMessages,
  messageRow,
  openEachOther,
  sendMessage,
  signedUpPair,
  signUpNamed,
} from './helpers/chat.ts'

const baseUrl = inject('baseUrl')
const { person } = usePeople(baseUrl)

const PHONE = { viewport: { width: 360, height: 740 } }

async function goOffline(page: Page): Promise<void> {
  await page.context().setOffline(true)
  await page.locator('.connection').getByText('You are offline.').waitFor()
}

/** Writes and sends from the composer while offline; resolves once it shows as queued. */
async function queue(page: Page, body: string): Promise<void> {
  await composer(page).fill(body)
  await composer(page).press('Enter')
  await expect.poll(() => deliveryState(page, body)).toBe('queued')
}

/** The send frames a page puts on its conversation sockets, by body. */
function sendFrames(page: Page): string[] {
  const bodies: string[] = []
  page.on('websocket', (ws) => {
    if (!ws.url().includes('/api/conversations/')) return
    ws.on('framesent', (frame) => {
      const data = JSON.parse(String(frame.payload)) as { type?: string; body?: string }
      if (data.type === 'send' && data.body !== undefined) bodies.push(data.body)
    })
  })
  return bodies
}

/** The drafts this browser keeps for the signed-in account, as IndexedDB holds them. */
function storedDrafts(page: Page): Promise<string[]> {
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('parley-local')
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const all = open.result.transaction('drafts').objectStore('drafts').getAll()
          all.onsuccess = () => resolve((all.result as { text: string }[]).map((d) => d.text).sort())
          all.onerror = () => reject(all.error)
        }
      }),
  )
}

async function historyBodies(page: Page, peerId: string): Promise<string[]> {
  const res = await page.context().request.get(`/api/conversations/${peerId}/messages`)
  const { messages } = (await res.json()) as { messages: Message[] }
  return messages.map((m) => m.body)
}

describe('messages written offline', () => {
  it('are sent, once and in order, by a tab opened after the one they were written in was closed', async () => {
    const p = await openEachOther(await signedUpPair(person, { context: PHONE }))
    const { a, b, bob } = p
    await goOffline(a.page)
    await queue(a.page, 'first, from the tunnel')
    await queue(a.page, 'second, from the tunnel')
    await a.page.close()

    await a.context.setOffline(false)
    const tab = await a.context.newPage()
    const frames = sendFrames(tab)
    // The chats list, not the conversation: the new tab still sends what the closed one left.
    await tab.goto('/')
    await messageRow(b.page, 'second, from the tunnel').waitFor()
    await expect
      .poll(async () => (await loggedMessages(b.page)).map((m) => [m.seq, m.body]))
      .toEqual([
        [1, 'first, from the tunnel'],
        [2, 'second, from the tunnel'],
      ])
    expect(await historyBodies(tab, bob.user.id)).toEqual(['first, from the tunnel', 'second, from the tunnel'])
    expect(frames).toEqual(['first, from the tunnel', 'second, from the tunnel'])
  })

  it('go from one of two open tabs of the account, and reach the peer exactly once', async () => {
    const { a, b, ada, bob } = await openEachOther(await signedUpPair(person))
    const second = await a.context.newPage()
    await second.goto(`/c/${bob.user.id}`)
    await conversationReady(second, bob.name)
    const frames = [...[a.page, second].map(sendFrames)]

    await goOffline(a.page)
    await second.locator('.connection').getByText('You are offline.').waitFor()
    await queue(a.page, 'queued in one of two tabs')
    // The other tab learns of it too, and shows it waiting.
    await expect.poll(() => deliveryState(second, 'queued in one of two tabs')).toBe('queued')

    await a.context.setOffline(false)
    await messageRow(b.page, 'queued in one of two tabs').waitFor()
    for (const page of [a.page, second]) {
      await expect.poll(() => deliveryState(page, 'queued in one of two tabs')).not.toBe('queued')
    }
    expect(frames.flat()).toEqual(['queued in one of two tabs'])
    expect(await historyBodies(b.page, ada.user.id)).toEqual(['queued in one of two tabs'])
    expect((await loggedMessages(b.page)).map((m) => m.body)).toEqual(['queued in one of two tabs'])
  })

  it('make closing the tab ask first, and nothing unsent makes it close without asking', async () => {
    const { a, b, bob } = await openEachOther(await signedUpPair(person))
    await goOffline(a.page)
    await queue(a.page, 'not sent yet')
    const asked: string[] = []
    a.page.on('dialog', (dialog) => {
      asked.push(dialog.type())
      void dialog.accept()
    })
    const closed = a.page.waitForEvent('close')
    await a.page.close({ runBeforeUnload: true })
    await closed
    expect(asked).toEqual(['beforeunload'])

    await a.context.setOffline(false)
    const tab = await a.context.newPage()
    await tab.goto(`/c/${bob.user.id}`)
    await conversationReady(tab, bob.name)
    await expect.poll(() => deliveryState(tab, 'not sent yet')).not.toBe('queued')
    await messageRow(b.page, 'not sent yet').waitFor()
    await sendMessage(tab, 'and this one too')
    await expect.poll(() => deliveryState(tab, 'and this one too')).not.toBe('queued')
    await expect.poll(() => deliveryState(tab, 'and this one too')).not.toBe('sending')
    const none: string[] = []
    tab.on('dialog', (dialog) => {
      none.push(dialog.type())
      void dialog.accept()
    })
    const tabClosed = tab.waitForEvent('close')
    await tab.close({ runBeforeUnload: true })
    await tabClosed
    expect(none).toEqual([])
  })
})

describe('drafts', () => {
  it.each([
    ['a phone', 360],
    ['a desktop', 1280],
  ])('survive switching conversations and a reload, on %s', async (_, width) => {
    const viewport = { width, height: width < 600 ? 740 : 800 }
    const { a, b, ada, bob } = await signedUpPair(person, { context: { viewport } })
    const c = await person({ viewport })
    const cy = await signUpNamed(c.context, 'Cy', bob.lastName)
    // One message each way lists both conversations for Ada.
    await b.page.goto(`/c/${ada.user.id}`)
    await conversationReady(b.page, ada.name)
    await sendMessage(b.page, 'hello from Bob')
    await c.page.goto(`/c/${ada.user.id}`)
    await conversationReady(c.page, ada.name)
    await sendMessage(c.page, 'hello from Cy')

    const page = a.page
    const phone = width < 600
    const open = async (peerId: string, name: string) => {
      if (phone) await page.getByRole('link', { name: 'Back to chats' }).click()
      await page.locator(`.conv-item[data-peer="${peerId}"]`).click()
      await conversationReady(page, name)
    }
    await page.goto(`/c/${bob.user.id}`)
    await conversationReady(page, bob.name)
    if (!phone) {
      const hello = messageRow(page, 'hello from Bob')
      await hello.hover()
      await hello.getByRole('button', { name: 'Reply' }).click()
      await page.locator('.composer').getByText('Replying to Bob').waitFor()
    }
    await composer(page).fill('half a thought for Bob')

    await open(cy.user.id, cy.name)
    expect(await composer(page).inputValue()).toBe('')
    await composer(page).fill('a note for Cy')
    await open(bob.user.id, bob.name)
    expect(await composer(page).inputValue()).toBe('half a thought for Bob')

    await page.reload()
    await conversationReady(page, bob.name)
    await expect.poll(() => composer(page).inputValue()).toBe('half a thought for Bob')
    if (!phone) await page.locator('.composer').getByText('Replying to Bob').waitFor()
    await open(cy.user.id, cy.name)
    await expect.poll(() => composer(page).inputValue()).toBe('a note for Cy')

    // Sent, it is no longer a draft, after a reload either.
    await composer(page).press('Enter')
    await messageRow(c.page, 'a note for Cy').waitFor()
    expect(await composer(page).inputValue()).toBe('')
    await page.reload()
    await conversationReady(page, cy.name)
    await open(bob.user.id, bob.name)
    await expect.poll(() => composer(page).inputValue()).toBe('half a thought for Bob')
    await open(cy.user.id, cy.name)
    expect(await composer(page).inputValue()).toBe('')
    expect(await storedDrafts(page)).toEqual(['half a thought for Bob'])
  })
})
