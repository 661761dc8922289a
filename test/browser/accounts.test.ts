import { describe, expect, inject, it } from 'vitest'
import type { ProblemBody } from '../../protocol/api.ts'
import { createAccount, freshCredentials, signInWithForm, signUpInContext } from './helpers/accounts.ts'
import { describeViolations, screenshotWidths, seriousA11yViolations, usePeople } from './helpers/browser.ts'

const baseUrl = inject('baseUrl')
const { person } = usePeople(baseUrl)

describe('registering and signing in', () => {
  it('lands a newly registered person on their chats, signed in', async () => {
    const { page } = await person()
    const { email, password } = freshCredentials()
    await page.goto('/register')
    await page.getByLabel('Email', { exact: true }).fill(email)
    await page.getByLabel('First name').fill('Grace')
    await page.getByLabel('Password', { exact: true }).fill(password)
    await page.getByRole('button', { name: 'Create account' }).click()

    await page.waitForURL(`${baseUrl}/`)
    await page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()
    await page.getByText('Signed in as Grace').waitFor()
  })

  it('signs a person out and back in with their password', async () => {
    const { page } = await person()
    const account = await createAccount(baseUrl)
    await signInWithForm(page, account)
    await page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()

    await page.getByRole('link', { name: 'Settings', exact: true }).click()
    await page.getByRole('button', { name: 'Sign out', exact: true }).click()
    await page.waitForURL(`${baseUrl}/signin`)

    // The session is gone server-side too: the home page sends the person back to sign in.
    await page.goto('/')
    await page.waitForURL((url) => url.pathname === '/signin')
    await signInWithForm(page, account)
    await page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()
  })

  it('sends a signed-out visitor to sign in, then on to the page they asked for', async () => {
    const { page } = await person()
    const account = await createAccount(baseUrl)
    await page.goto('/settings')
    await page.waitForURL(`${baseUrl}/signin?next=%2Fsettings`)
    await signInWithForm(page, account)
    await page.waitForURL(`${baseUrl}/settings`)
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor()
  })

  it('shows the server’s message for a wrong password', async () => {
    const { page } = await person()
    const account = await createAccount(baseUrl)
    await page.goto('/signin')
    await page.getByLabel('Email', { exact: true }).fill(account.email)
    await page.getByLabel('Password', { exact: true }).fill(`${account.password}-wrong`)
    const response = page.waitForResponse((r) => r.url().endsWith('/api/auth/login'))
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()

    const res = await response
    expect(res.status()).toBe(401)
    const problem = (await res.json()) as ProblemBody
    const alert = page.getByRole('alert')
    await alert.waitFor()
    expect(await alert.textContent()).toContain(problem.detail)
    expect(new URL(page.url()).pathname).toBe('/signin')
  })

  it('shows the server’s inline error for a weak password on register', async () => {
    const { page } = await person()
    await page.goto('/register')
    await page.getByLabel('Email', { exact: true }).fill(freshCredentials().email)
    const password = page.getByLabel('Password', { exact: true })
    await password.fill('password123')
    const response = page.waitForResponse((r) => r.url().endsWith('/api/auth/register'))
    await page.getByRole('button', { name: 'Create account' }).click()

    const res = await response
    expect(res.status()).toBe(400)
    const problem = (await res.json()) as ProblemBody
    expect(problem.errors?.password).toBeTruthy()
    await page.locator('#main [aria-invalid="true"]').first().waitFor()
    expect(await password.getAttribute('aria-invalid')).toBe('true')
    const describedBy = (await password.getAttribute('aria-describedby')) ?? ''
    const messages = await Promise.all(describedBy.split(' ').map((id) => page.locator(`#${id}`).textContent()))
    expect(messages).toContain(problem.errors?.password)
    // Said once, by the field: the problem's detail repeats it, so no banner says it again.
    expect(await page.getByText(problem.errors!.password!).count()).toBe(1)
    expect(await page.getByRole('alert').count()).toBe(0)
  })

  it('reports an email that is already registered once, under the email field', async () => {
    const { page } = await person()
    const taken = await createAccount(baseUrl)
    await page.goto('/register')
    const email = page.getByLabel('Email', { exact: true })
    await email.fill(taken.email.toUpperCase())
    await page.getByLabel('Password', { exact: true }).fill(freshCredentials().password)
    await page.getByRole('button', { name: 'Create account' }).click()

    await expect.poll(() => email.getAttribute('aria-invalid')).toBe('true')
    await page.getByText('That email is already registered. Sign in instead.').waitFor()
    expect(await page.getByText('already registered').count()).toBe(1)
  })
})

describe('settings', () => {
  it('shows the name a person saved after a reload', async () => {
    const { context, page } = await person()
    await signUpInContext(context)
    await page.goto('/settings')
    await page.getByLabel('First name').fill('Ada')
    await page.getByLabel('Last name').fill('Lovelace')
    await page.getByRole('button', { name: 'Save name' }).click()
    await page.getByRole('status').filter({ hasText: 'Your name was saved.' }).waitFor()

    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor()
    await expect.poll(() => page.getByLabel('First name').inputValue()).toBe('Ada')
    await expect.poll(() => page.getByLabel('Last name').inputValue()).toBe('Lovelace')
  })

  it('refuses a wrong current password with a message under that field', async () => {
    const { context, page } = await person()
    const account = await signUpInContext(context)
    await page.goto('/settings')
    const current = page.getByLabel('Current password')
    await current.fill(`${account.password}-nope`)
    await page.getByLabel('New password').fill(freshCredentials().password)
    await page.getByRole('button', { name: 'Change password' }).click()

    await page.locator('.field-error').filter({ hasText: 'Your current password is not correct.' }).waitFor()
    expect(await current.getAttribute('aria-invalid')).toBe('true')
  })

  it('refuses the current password as the new one, keeping other devices signed in', async () => {
    const { context, page } = await person()
    const account = await signUpInContext(context)
    const other = await person()
    await signInWithForm(other.page, account)
    await other.page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()
    await page.goto('/settings')
    await page.getByLabel('Current password').fill(account.password)
    const fresh = page.getByLabel('New password')
    await fresh.fill(account.password)
    await page.getByRole('button', { name: 'Change password' }).click()

    await page.locator('.field-error').filter({ hasText: 'the same as your current one' }).waitFor()
    expect(await fresh.getAttribute('aria-invalid')).toBe('true')
    await other.page.reload()
    await other.page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()
  })

  it('changes the password so only the new one signs in', async () => {
    const { context, page } = await person()
    const account = await signUpInContext(context)
    const next = freshCredentials().password
    await page.goto('/settings')
    await page.getByLabel('Current password').fill(account.password)
    await page.getByLabel('New password').fill(next)
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByRole('status').filter({ hasText: 'Password changed.' }).waitFor()

    await page.getByRole('button', { name: 'Sign out', exact: true }).click()
    await page.waitForURL(`${baseUrl}/signin`)
    await signInWithForm(page, { email: account.email, password: next })
    await page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()
  })

  it('marks this device and signs out another device from the sessions list', async () => {
    const phone = await person()
    const laptop = await person()
    const account = await createAccount(baseUrl)
    await signInWithForm(phone.page, account)
    await signInWithForm(laptop.page, account)

    await laptop.page.goto('/settings')
    const items = laptop.page.locator('.session-item')
    await expect.poll(() => items.count()).toBe(2)
    await laptop.page.locator('.session-current').getByText('This device', { exact: true }).waitFor()
    await laptop.page.getByRole('button', { name: 'Sign out other sessions' }).click()
    const ask = laptop.page.getByRole('dialog', { name: 'Sign out every other session?' })
    await ask.getByText('1 other device is signed out at once').waitFor()
    await ask.getByRole('button', { name: 'Sign out others' }).click()
    await laptop.page.getByRole('status').filter({ hasText: 'Every other session was signed out.' }).waitFor()
    await expect.poll(() => items.count()).toBe(1)

    // The phone learns on its next request and is asked to sign in again.
    await phone.page.goto('/settings')
    await phone.page.waitForURL((url) => url.pathname === '/signin')
  })

  it('tells a person whose session was ended elsewhere to sign in again', async () => {
    const phone = await person()
    const laptop = await person()
    const account = await createAccount(baseUrl)
    await signInWithForm(phone.page, account)
    await signInWithForm(laptop.page, account)
    await phone.page.goto('/settings')
    await phone.page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor()

    await laptop.page.goto('/settings')
    // Asked first: Cancel (also the default) ends nothing.
    await laptop.page.getByRole('button', { name: 'End session' }).click()
    const ask = laptop.page.getByRole('dialog', { name: 'End this session?' })
    await ask.getByRole('button', { name: 'Cancel' }).click()
    await ask.waitFor({ state: 'hidden' })
    expect(await laptop.page.locator('.session-item').count()).toBe(2)
    await laptop.page.getByRole('button', { name: 'End session' }).click()
    await ask.getByRole('button', { name: 'End session' }).click()
    await laptop.page.getByRole('status').filter({ hasText: 'That session was signed out.' }).waitFor()

    // The phone's open sockets hear of the end and it asks to sign in, before anyone touches it.
    await phone.page.waitForURL(`${baseUrl}/signin?next=%2Fsettings`)
    await phone.page.getByText('Your session ended. Sign in again to continue.').waitFor()
  })
})

describe('look and accessibility', () => {
  it('serves the app and its assets under the strict Content-Security-Policy', async () => {
    const { page } = await person()
    const scripts: Promise<string | undefined>[] = []
    page.on('response', (res) => {
      if (res.url().endsWith('.js')) scripts.push(res.allHeaders().then((h) => h['content-security-policy']))
    })
    const res = await page.goto('/signin')
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'")
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
    expect(scripts.length).toBeGreaterThan(0)
    for (const csp of await Promise.all(scripts)) expect(csp).toContain("script-src 'self'")
  })

  it('lets browsers keep hashed assets for a year and revalidate the page itself', async () => {
    const { page } = await person()
    const assets: Promise<[string, string | undefined]>[] = []
    page.on('response', (res) => {
      if (new URL(res.url()).pathname.startsWith('/assets/'))
        assets.push(res.allHeaders().then((h) => [res.url(), h['cache-control']]))
    })
    const res = await page.goto('/signin')
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
    expect(res?.headers()['cache-control']).not.toContain('immutable')
    expect(res?.headers()['cache-control']).toMatch(/max-age=0|no-cache|must-revalidate/)
    expect(assets.length).toBeGreaterThan(0)
    for (const [url, cacheControl] of await Promise.all(assets)) {
      expect(cacheControl, url).toBe('public, max-age=31536000, immutable')
    }
  })

  it('lets a keyboard user sign in and skip to the content', async () => {
    const { page } = await person()
    const account = await createAccount(baseUrl)
    await page.goto('/signin')
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
    await page.keyboard.press('Tab')
    await page.keyboard.type(account.email)
    await page.keyboard.press('Tab')
    await page.keyboard.type(account.password)
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()

    // The submit button is gone with the sign-in screen; focus lands on the new content.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('main')
    // After a load, the skip link is the first stop.
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content')
    await page.keyboard.press('Enter')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main')
  })

  it('renders sign-in, register and settings at phone and desktop widths', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const { context, page } = await person({ colorScheme })
      const suffix = colorScheme === 'dark' ? '-dark' : ''
      await page.goto('/signin')
      await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
      await screenshotWidths(page, `sign-in${suffix}`)

      await page.goto('/register')
      await page.getByRole('heading', { level: 1, name: 'Create your account' }).waitFor()
      await screenshotWidths(page, `register${suffix}`)

      await signUpInContext(context)
      await page.goto('/settings')
      await page.getByText('This device', { exact: true }).waitFor()
      const paths = await screenshotWidths(page, `settings${suffix}`)
      expect(paths).toHaveLength(2)
    }
  })

  it('has no serious or critical axe violations on sign-in, register and settings', async () => {
    const found: string[] = []
    for (const colorScheme of ['light', 'dark'] as const) {
      const { context, page } = await person({ colorScheme })
      const check = async (name: string) => {
        const violations = await seriousA11yViolations(page)
        if (violations.length > 0) found.push(`${name} (${colorScheme}):\n${describeViolations(violations)}`)
      }
      // The sign-in form with its error banner showing, so its colours are checked too.
      await page.goto('/signin')
      await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
      await page.getByLabel('Email', { exact: true }).fill(freshCredentials().email)
      await page.getByLabel('Password', { exact: true }).fill('not the password at all')
      await page.getByRole('button', { name: 'Sign in', exact: true }).click()
      await page.getByRole('alert').waitFor()
      await check('sign-in')

      // The register form with a field error showing.
      await page.goto('/register')
      await page.getByLabel('Email', { exact: true }).fill(freshCredentials().email)
      await page.getByLabel('Password', { exact: true }).fill('password123')
      await page.getByRole('button', { name: 'Create account' }).click()
      await page.locator('#main [aria-invalid="true"]').first().waitFor()
      await check('register')

      await signUpInContext(context)
      await page.goto('/settings')
      await page.getByText('This device', { exact: true }).waitFor()
      await check('settings')
    }
    expect(found, found.join('\n\n')).toEqual([])
  })
})
