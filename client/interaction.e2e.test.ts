// Browser test of live interaction: vote and live count, moderator delete reaching another viewer, screenshots of the panels.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser } from '../bench/swarm-browser/viewers.ts'
import { signUpWith2fa, startClientStack, watchedContext, type ClientStack, type WatchedContext } from './e2e-stack.ts'

/**
 * Live interaction in real Chromium against the real engagement service and its gateway (in-memory
 * PGlite), our origin with two synthetic cameras and our tracker, as the other browser suites run
 * them: a moderator opens a poll from the console, a viewer votes and sees the count change, a viewer's
 * chat line deleted by the moderator disappears from another viewer's page, and the viewer page with
 * its panels is photographed at phone and desktop sizes (.tmp/interaction-viewer-*.png).
 * `bash scripts/netns-run.sh npx vitest run --config vitest.e2e.config.ts client/interaction.e2e.test.ts`
 */

const PASSWORD = 'a long enough passphrase'
const DESKTOP = { width: 1600, height: 1000 }
const PHONE = { width: 390, height: 844 }
const SHOTS = join(import.meta.dirname, '..', '.tmp')

let stack: ClientStack
let browser: Browser
let mod: WatchedContext
let alice: WatchedContext
let bob: WatchedContext
let overlay: WatchedContext | null = null

/** Signs up through the page (no 2FA: viewers do not need it to take part). */
async function signUp(page: Page, email: string): Promise<void> {
  await page.goto(`${stack.appUrl}/signup`)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.waitForURL(`${stack.appUrl}/account/2fa`)
}

/** Opens the viewer page and waits until its gateway connection is up and the video plays. */
async function openViewerPage(page: Page): Promise<void> {
  await page.goto(`${stack.appUrl}/e/${stack.event}`)
  await page.getByRole('heading', { level: 1, name: 'Swarmstage demo' }).waitFor()
  await page.waitForFunction(() => {
    const v = document.querySelector('video')
    return v !== null && v.readyState >= 3 && v.currentTime > 0.5 && !v.paused
  }, null, { timeout: 90_000 })
  // The connection line is empty once the socket is open.
  await page.waitForFunction(() => !/Connecting|Reconnecting/.test(document.querySelector('.event-head [role=status]')?.textContent ?? 'x'), null, { timeout: 30_000 })
}

beforeAll(async () => {
  stack = await startClientStack({ camera: true })
  browser = await launchBrowser()
  mod = await watchedContext(browser, DESKTOP)
  alice = await watchedContext(browser, DESKTOP)
  bob = await watchedContext(browser, DESKTOP)
  await signUpWith2fa(mod.page, stack.appUrl, 'mod@example.test', PASSWORD)
  await stack.grantRole('mod@example.test', stack.event, 'moderator')
  await signUp(alice.page, 'alice@example.test')
  await signUp(bob.page, 'bob@example.test')
  await openViewerPage(alice.page)
  await openViewerPage(bob.page)
  await mod.page.goto(`${stack.appUrl}/e/${stack.event}/moderate`)
  await mod.page.getByRole('heading', { name: 'Question queue' }).waitFor({ timeout: 30_000 })
})

afterAll(async () => {
  await browser?.close()
  await stack?.close()
})

describe('live interaction in the browser', () => {
  it('the console makes an overlay address; the overlay shows the poll and chat over a transparent page', async () => {
    await mod.page.getByRole('button', { name: 'Make overlay link' }).click()
    const url = await mod.page.getByLabel('Overlay address').inputValue()
    expect(url).toMatch(new RegExp(`/e/${stack.event}/overlay\\?token=`))
    const obs = await watchedContext(browser, { width: 1280, height: 720 })
    await obs.page.goto(url)
    await obs.page.getByRole('heading', { level: 1 }).waitFor({ state: 'attached' })
    expect(await obs.page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgba(0, 0, 0, 0)')
    expect(await obs.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe('rgba(0, 0, 0, 0)')
    expect(await obs.page.locator('button, input, a').count()).toBe(0)
    overlay = obs
  })

  it('a moderator opens a poll; a viewer sees it, votes, and sees the count change', async () => {
    const m = mod.page
    await m.getByLabel('Question', { exact: true }).fill('Which song next?')
    await m.getByLabel('Option 1').fill('Blue')
    await m.getByLabel('Option 2').fill('Red')
    await m.getByRole('button', { name: 'Create poll' }).click()
    await m.getByRole('button', { name: 'Open poll: Which song next?' }).click()
    await m.getByText('Poll opened.').waitFor()

    const a = alice.page
    const card = a.getByRole('region', { name: 'Poll' })
    await card.getByText('Which song next?', { exact: true }).waitFor({ timeout: 20_000 })
    const blueCount = card.getByRole('listitem').filter({ hasText: 'Blue' }).locator('.count')
    expect(await blueCount.textContent()).toBe('0 votes · 0%')
    await card.getByRole('button', { name: 'Blue' }).click()
    await card.getByText('Your vote is in.').waitFor()
    // The count comes back from the server's tally tick, not from the click.
    await expect.poll(() => blueCount.textContent(), { timeout: 15_000 }).toBe('1 vote · 100%')
    expect(await card.getByRole('listitem').filter({ hasText: 'Blue' }).textContent()).toContain('✓')
    // Another viewer sees the same count, and the moderator's live results too.
    await expect.poll(() => bob.page.getByRole('region', { name: 'Poll' }).getByRole('listitem').filter({ hasText: 'Blue' }).locator('.count').textContent(), { timeout: 15_000 }).toBe('1 vote · 100%')
    await expect.poll(() => m.locator('[data-poll-id]').filter({ hasText: 'Which song next?' }).getByRole('listitem').filter({ hasText: 'Blue' }).textContent(), { timeout: 15_000 }).toContain('1 vote')
    // The overlay (token, no cookie) follows too.
    const o = overlay?.page
    if (o === undefined) throw new Error('the overlay test did not run')
    await o.getByText('Which song next?').waitFor({ timeout: 15_000 })
    await expect.poll(() => o.locator('.opt').filter({ hasText: 'Blue' }).locator('.num').textContent(), { timeout: 15_000 }).toBe('100%')
  })

  it('a moderator deletes a chat line and it disappears from another viewer\'s page', async () => {
    const line = 'hello from alice, delete me'
    await alice.page.getByLabel('Message', { exact: true }).fill(line)
    await alice.page.getByRole('button', { name: 'Send' }).click()
    const onBob = bob.page.getByRole('list', { name: 'Chat messages' }).getByText(line)
    await onBob.waitFor({ timeout: 15_000 })
    await overlay?.page.getByText(line).waitFor({ timeout: 15_000 })
    const onMod = mod.page.locator('[data-message-id]').filter({ hasText: line })
    await onMod.waitFor({ timeout: 15_000 })
    await onMod.getByRole('button', { name: /^Delete message from / }).click()
    await mod.page.getByText('Message deleted.').waitFor()
    await onBob.waitFor({ state: 'detached', timeout: 10_000 })
    await alice.page.getByRole('list', { name: 'Chat messages' }).getByText(line).waitFor({ state: 'detached', timeout: 10_000 })
    await overlay?.page.getByText(line).waitFor({ state: 'detached', timeout: 10_000 })
  })

  it('screenshots of the viewer page with its panels at desktop and phone sizes', async () => {
    await mkdir(SHOTS, { recursive: true })
    const a = alice.page
    await a.getByLabel('Message', { exact: true }).fill('what a show')
    await a.getByRole('button', { name: 'Send' }).click()
    await a.getByLabel('Your question').fill('Will you play the old songs?')
    await a.getByRole('button', { name: 'Ask', exact: true }).click()
    await a.getByRole('status').filter({ hasText: /^Question sent/ }).waitFor()
    await a.evaluate(() => window.scrollTo(0, 0))
    await a.screenshot({ path: join(SHOTS, 'interaction-viewer-desktop.png'), fullPage: true })
    await a.setViewportSize(PHONE)
    await a.getByRole('tablist', { name: 'Take part' }).waitFor()
    await a.screenshot({ path: join(SHOTS, 'interaction-viewer-phone.png'), fullPage: true })
    await a.getByRole('tab', { name: 'Chat' }).click()
    await a.getByRole('tabpanel').getByText('what a show').waitFor()
    await a.screenshot({ path: join(SHOTS, 'interaction-viewer-phone-chat.png'), fullPage: true })
    await overlay?.page.getByText('what a show').waitFor()
    await overlay?.page.screenshot({ path: join(SHOTS, 'interaction-overlay.png'), omitBackground: true })
    await mod.page.evaluate(() => window.scrollTo(0, 0))
    await mod.page.screenshot({ path: join(SHOTS, 'interaction-moderate-desktop.png'), fullPage: true })
    expect([...alice.errors, ...bob.errors, ...mod.errors].filter((e) => /Content[- ]Security|Refused to/i.test(e))).toEqual([])
    expect([...(await alice.cspViolations()), ...(await mod.cspViolations())]).toEqual([])
  })
})
