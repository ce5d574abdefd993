import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { launchBrowser } from '../bench/swarm-browser/viewers.ts'
import { createEvent, signUpWith2fa, startClientStack, totpCode, watchedContext, type ClientStack } from './e2e-stack.ts'

/**
 * The account pages against the real engagement service (no fetch stub): sign up, turn on 2FA with a
 * code computed from the secret shown on the page, step up in the dialog, and create and see a
 * stream key on the creator page. No Content-Security-Policy violation may occur on the way.
 */
let stack: ClientStack
let browser: Browser

beforeAll(async () => {
  // The smallest step-up window the service accepts, so a high-sensitivity action asks again.
  stack = await startClientStack({ camera: false, stepUpMaxAgeSec: 10 })
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await stack?.close()
})

describe('account pages on the real engagement service', () => {
  it('sign up, enable 2FA, step up, and create a stream key on the creator page', async () => {
    const w = await watchedContext(browser, { width: 1280, height: 900 })
    const { page } = w
    const secret = await signUpWith2fa(page, stack.appUrl, 'creator@example.test', 'a long enough passphrase')

    // The sessions page lists this browser's session.
    await page.goto(`${stack.appUrl}/account/sessions`)
    await expect(page.getByRole('button', { name: 'Sign out on this device' }).count()).resolves.toBe(1)

    await createEvent(page, 'gig1', 'Garage gig')
    // Wait out the step-up window so creating a key (high sensitivity) asks for a fresh code.
    await new Promise((r) => setTimeout(r, 11_000))
    await page.goto(`${stack.appUrl}/creator?event=gig1`)
    await page.getByRole('heading', { level: 1, name: 'Creator console: Garage gig' }).waitFor()
    await expect(page.getByText('No keys yet.').count()).resolves.toBe(1)
    await page.getByLabel('Camera angle').fill('stage')
    await page.getByRole('button', { name: /Create key/ }).click()

    const dialog = page.getByRole('dialog', { name: "Confirm it's you" })
    await dialog.waitFor()
    const code = dialog.getByLabel('Authenticator code')
    await expect(code.evaluate((el) => el === document.activeElement)).resolves.toBe(true)
    // The next period's code: the enrolment used the previous one, and each code works once.
    await code.fill(await totpCode(secret, 30))
    await dialog.getByRole('button', { name: 'Confirm' }).click()
    await dialog.waitFor({ state: 'detached' })

    await page.getByText('New key created for stage.').waitFor()
    const shown = page.locator('[data-testid^="key-"]')
    await expect(shown.count()).resolves.toBe(1)
    const key = (await shown.textContent()) ?? ''
    expect(key).not.toContain('•')
    expect(key.length).toBeGreaterThan(16)

    // Hidden again, the key is masked; the server's list agrees there is one live key for the angle.
    await page.getByRole('button', { name: 'Hide key for stage' }).click()
    await expect(shown.textContent()).resolves.toContain('•')
    await page.reload()
    await page.getByRole('button', { name: 'Reveal key for stage' }).waitFor()

    expect((await fetch(`${stack.appUrl}/creator`)).headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/)
    expect(await w.cspViolations()).toEqual([])
    await w.context.close()
  })
})
