// Unsent messages and drafts that outlive the tab (issue 14, bugs 2 and 5): the outbox and the
// composer's drafts are in IndexedDB per account, any tab of the account sends what is queued
// (one at a time, through a Web Lock), and closing a tab with something unsent asks first.
import type { Page } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import type { Message } from '../../protocol/api.ts'
import { createAccount } from './helpers/accounts.ts'
import { usePeople } from './helpers/browser.ts'
import {
  composer,
  conversationReady,
  deliveryState,
  messageRow,
  sendMessage,
  signUpNamed,
  uniqueWord,
} from './helpers/chat.ts'
import { openNodeChat, sessionCookie } from './helpers/node-chat.ts'

const baseUrl = inject('baseUrl')
const { person } = usePeople(baseUrl)

const PHONE = { viewport: { width: 360, height: 740 } }

/**
 * Ada in Chromium, and people she writes to, made from Node (no browser of their own: what
 * reaches them is read from the server), all with the same unique last name.
 */
async function adaAnd(peers: string[], width = 1280) {
  const family = uniqueWord('Outbox')
  const a = await person({ viewport: { width, height: width < 600 ? 740 : 800 } })
  const [ada, ...others] = await Promise.all([
    signUpNamed(a.context, 'Ada', family),
    ...peers.map(async (firstName) => {
      const account = await createAccount(baseUrl, { firstName, lastName: family })
      return { ...account, name: `${firstName} ${family}`, cookie: await sessionCookie(baseUrl, account) }
    }),
  ])
  return { a, ada, peers: others }
}

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
    const {
      a,
      peers: [bob],
    } = await adaAnd(['Bob'], PHONE.viewport.width)
    await a.page.goto(`/c/${bob!.user.id}`)
    await conversationReady(a.page, bob!.name)
    await goOffline(a.page)
    await queue(a.page, 'first, from the tunnel')
    await queue(a.page, 'second, from the tunnel')
    await a.page.close()

    await a.context.setOffline(false)
    const tab = await a.context.newPage()
    const frames = sendFrames(tab)
    // The chats list, not the conversation: the new tab still sends what the closed one left.
    await tab.goto('/')
    await expect
      .poll(() => historyBodies(tab, bob!.user.id))
      .toEqual(['first, from the tunnel', 'second, from the tunnel'])
    await expect.poll(() => frames).toEqual(['first, from the tunnel', 'second, from the tunnel'])
    // Nothing is left to send: a reload finds the queue empty.
    await tab.goto(`/c/${bob!.user.id}`)
    await conversationReady(tab, bob!.name)
    await expect.poll(() => deliveryState(tab, 'second, from the tunnel')).not.toBe('queued')
    expect(frames).toHaveLength(2)
  })

  it('go from one of two open tabs of the account, and reach the peer exactly once', async () => {
    const {
      a,
      ada,
      peers: [bob],
    } = await adaAnd(['Bob'])
    const bobs = await openNodeChat(baseUrl, bob!.cookie, ada.user.id)
    const second = await a.context.newPage()
    for (const page of [a.page, second]) {
      await page.goto(`/c/${bob!.user.id}`)
      await conversationReady(page, bob!.name)
    }
    const frames = [a.page, second].map(sendFrames)

    await goOffline(a.page)
    await second.locator('.connection').getByText('You are offline.').waitFor()
    await queue(a.page, 'queued in one of two tabs')
    // The other tab learns of it too, and shows it waiting.
    await expect.poll(() => deliveryState(second, 'queued in one of two tabs')).toBe('queued')

    await a.context.setOffline(false)
    for (const page of [a.page, second]) {
      await expect.poll(() => deliveryState(page, 'queued in one of two tabs')).not.toBe('queued')
      await expect.poll(() => deliveryState(page, 'queued in one of two tabs')).not.toBe('sending')
    }
    // Bob's socket hears it live; stored once, and put on the wire by one tab only.
    await bobs.frame((f) => f.type === 'message' && f.message.body === 'queued in one of two tabs')
    expect(frames.flat()).toEqual(['queued in one of two tabs'])
    expect(await historyBodies(second, bob!.user.id)).toEqual(['queued in one of two tabs'])
    bobs.close()
  })

  it('left in sessionStorage by an older version are moved to IndexedDB and sent once', async () => {
    const {
      a,
      ada,
      peers: [bob],
    } = await adaAnd(['Bob'])
    await a.page.goto('/')
    const key = `parley.outbox.${ada.user.id}.${bob!.user.id}`
    const item = {
      kind: 'send',
      clientId: crypto.randomUUID(),
      body: 'from an older page',
      createdAt: new Date().toISOString(),
    }
    await a.page.evaluate(([k, v]) => sessionStorage.setItem(k!, v!), [key, JSON.stringify([item])])
    await a.page.reload()
    await expect.poll(() => historyBodies(a.page, bob!.user.id)).toEqual(['from an older page'])
    await expect.poll(() => a.page.evaluate((k) => sessionStorage.getItem(k), key)).toBeNull()
  })

  it('make closing the tab ask first, and nothing unsent makes it close without asking', async () => {
    const {
      a,
      peers: [bob],
    } = await adaAnd(['Bob'])
    await a.page.goto(`/c/${bob!.user.id}`)
    await conversationReady(a.page, bob!.name)
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
    await tab.goto(`/c/${bob!.user.id}`)
    await conversationReady(tab, bob!.name)
    await expect.poll(() => deliveryState(tab, 'not sent yet')).not.toBe('queued')
    await sendMessage(tab, 'and this one too')
    for (const body of ['not sent yet', 'and this one too']) {
      await expect.poll(() => deliveryState(tab, body)).not.toBe('queued')
      await expect.poll(() => deliveryState(tab, body)).not.toBe('sending')
    }
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
  ])('survive switching conversations (and a reload) on %s', async (_, width) => {
    const { a, ada, peers } = await adaAnd(['Bob', 'Cy'], width)
    const [bob, cy] = peers as [(typeof peers)[number], (typeof peers)[number]]
    // A message from each lists both conversations for Ada.
    for (const p of peers) {
      const chat = await openNodeChat(baseUrl, p.cookie, ada.user.id)
      await chat.send(`hello from ${p.name}`)
      chat.close()
    }

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
      const hello = messageRow(page, `hello from ${bob.name}`)
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
    // What a reload brings back does not depend on the width: the desktop run covers it.
    if (phone) {
      await expect.poll(() => storedDrafts(page)).toEqual(['a note for Cy', 'half a thought for Bob'])
      return
    }

    await page.reload()
    await conversationReady(page, bob.name)
    await expect.poll(() => composer(page).inputValue()).toBe('half a thought for Bob')
    await page.locator('.composer').getByText('Replying to Bob').waitFor()
    await open(cy.user.id, cy.name)
    await expect.poll(() => composer(page).inputValue()).toBe('a note for Cy')

    // Sent, it is no longer a draft: only Bob's is kept for a reload.
    await composer(page).press('Enter')
    await expect.poll(() => deliveryState(page, 'a note for Cy')).not.toBe('queued')
    expect(await composer(page).inputValue()).toBe('')
    await expect.poll(() => storedDrafts(page)).toEqual(['half a thought for Bob'])
  })

  it('leave the device with the person when they sign out', async () => {
    const {
      a,
      peers: [bob],
    } = await adaAnd(['Bob'])
    await a.page.goto(`/c/${bob!.user.id}`)
    await conversationReady(a.page, bob!.name)
    await composer(a.page).fill('not for the next person')
    await expect.poll(() => storedDrafts(a.page)).toEqual(['not for the next person'])
    await a.page.getByRole('link', { name: 'Settings', exact: true }).click()
    await a.page.getByRole('button', { name: 'Sign out', exact: true }).click()
    await a.page.waitForURL((url) => url.pathname === '/signin')
    await expect.poll(() => storedDrafts(a.page)).toEqual([])
  })
})
