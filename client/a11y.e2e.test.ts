import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser } from '../bench/swarm-browser/viewers.ts'
import { createEvent, signUpWith2fa, startClientStack, totpCode, watchedContext, type ClientStack, type WatchedContext } from './e2e-stack.ts'

/**
 * Accessibility audit: axe-core on every page of the app, in the states a person meets, at phone,
 * tablet and TV sizes, served by the real engagement service (the viewer plays a real stream from our
 * origin). Any WCAG 2.1 A/AA violation fails, and so does any Content-Security-Policy violation.
 * A new page joins by adding a row to PAGES.
 */

const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'tablet', width: 820, height: 1180 },
  { name: 'tv', width: 1920, height: 1080 },
] as const
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']
const EVENT_ID = 'gig1'
const MEMBER = { email: 'audit@example.test', password: 'a long enough passphrase' }

/** One audited page state: where it lives, who sees it, and how to bring it about. */
interface PageRow {
  name: string
  /** A function when the path is known only after setup (the overlay's token). */
  path: string | (() => string)
  /** anon: signed out; member: 2FA on, organizer of the event; fresh: signed in, no 2FA yet. */
  who: 'anon' | 'member' | 'fresh'
  /** Waits until the page shows what is audited (and puts it into its state). */
  ready: (page: Page) => Promise<void>
  /** Undoes `ready`'s state change after the audit (closing a dialog). */
  after?: (page: Page) => Promise<void>
  /** A page without controls by design (the stream overlay): no Tab stops to check. */
  noControls?: boolean
}

const heading = (name: string | RegExp) => (page: Page) => page.getByRole('heading', { level: 1, name }).waitFor()

const PAGES: PageRow[] = [
  { name: 'landing', path: '/', who: 'anon', ready: heading('Swarmstage') },
  { name: 'not found', path: '/nowhere', who: 'anon', ready: heading('Page not found') },
  {
    name: 'viewer, playing, angle switcher, stats open',
    path: '/e/demo?stats=1',
    who: 'anon',
    ready: async (page) => {
      await page.waitForFunction(() => {
        const v = document.querySelector('video')
        return v !== null && v.readyState >= 3 && v.currentTime > 0.5 && !v.paused
      }, null, { timeout: 90_000 })
      await page.getByRole('region', { name: 'Playback statistics' }).waitFor()
      await page.getByRole('radiogroup', { name: 'Camera angle' }).waitFor()
    },
  },
  { name: 'sign up', path: '/signup', who: 'anon', ready: heading('Create an account') },
  { name: 'sign in', path: '/signin', who: 'anon', ready: heading('Sign in') },
  {
    name: 'sign in, refused',
    path: '/signin',
    who: 'anon',
    ready: async (page) => {
      await page.getByLabel('Email').fill('nobody@example.test')
      await page.getByLabel('Password').fill('not the password')
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByText('Wrong email or password.').waitFor()
    },
  },
  {
    name: 'sign in, asking for the 2FA code',
    path: '/signin',
    who: 'anon',
    ready: async (page) => {
      await page.getByLabel('Email').fill(MEMBER.email)
      await page.getByLabel('Password').fill(MEMBER.password)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByLabel('Code from your authenticator app').waitFor()
    },
  },
  { name: '2FA enrolment, not set up', path: '/account/2fa', who: 'fresh', ready: (page) => page.getByRole('button', { name: 'Set up two-factor authentication' }).waitFor() },
  {
    name: '2FA enrolment, QR code and recovery codes',
    path: '/account/2fa',
    who: 'fresh',
    ready: async (page) => {
      await page.getByRole('button', { name: 'Set up two-factor authentication' }).click()
      await page.getByRole('list', { name: 'Recovery codes' }).waitFor()
    },
  },
  { name: '2FA enrolment, on', path: '/account/2fa', who: 'member', ready: heading('Two-factor authentication') },
  { name: 'sessions', path: '/account/sessions', who: 'member', ready: (page) => page.getByRole('button', { name: 'Sign out on this device' }).waitFor() },
  { name: 'creator console', path: `/creator?event=${EVENT_ID}`, who: 'member', ready: (page) => page.getByRole('button', { name: 'Reveal key for stage' }).waitFor() },
  {
    name: 'creator console, step-up dialog open',
    path: `/creator?event=${EVENT_ID}`,
    who: 'member',
    ready: async (page) => {
      await page.getByRole('button', { name: 'Reveal key for stage' }).click()
      await page.getByRole('dialog', { name: "Confirm it's you" }).waitFor()
    },
    after: async (page) => {
      await page.getByRole('button', { name: 'Cancel' }).click()
    },
  },
  {
    // Side by side with the player on the TV, tabs under it on phone and tablet (the poll tab first).
    name: 'viewer, interaction panels, signed in, poll open',
    path: `/e/${EVENT_ID}`,
    who: 'member',
    ready: async (page) => {
      await page.getByRole('region', { name: 'Poll' }).getByText(POLL_QUESTION, { exact: true }).waitFor({ timeout: 20_000 })
      await page.getByRole('group', { name: 'Reactions' }).waitFor()
    },
  },
  {
    name: 'viewer, interaction panels, guest, chat tab (phone, tablet) or chat panel (TV)',
    path: `/e/${EVENT_ID}`,
    who: 'anon',
    ready: async (page) => {
      await page.getByRole('link', { name: 'Sign in' }).first().waitFor()
      const tab = page.getByRole('tab', { name: 'Chat' })
      if ((await tab.count()) > 0) await tab.click()
      await page.getByRole('list', { name: 'Chat messages' }).getByText(CHAT_LINE).waitFor({ timeout: 20_000 })
    },
  },
  {
    name: 'moderator console',
    path: `/e/${EVENT_ID}/moderate`,
    who: 'member',
    ready: async (page) => {
      await page.getByRole('heading', { name: 'Question queue' }).waitFor({ timeout: 20_000 })
      await page.locator('[data-message-id]').filter({ hasText: CHAT_LINE }).waitFor({ timeout: 20_000 })
      await page.locator('[data-poll-id]').filter({ hasText: POLL_QUESTION }).waitFor()
    },
  },
  {
    name: 'stream overlay',
    path: () => `/e/${EVENT_ID}/overlay?token=${encodeURIComponent(overlayToken)}`,
    who: 'anon',
    noControls: true,
    ready: async (page) => {
      await page.getByText(POLL_QUESTION).waitFor({ timeout: 20_000 })
      await page.getByText(CHAT_LINE).waitFor()
    },
  },
]

const POLL_QUESTION = 'Which song next?'
const CHAT_LINE = 'first!'
let overlayToken = ''

/** Calls the API from the signed-in page (its cookie and CSRF token); throws on anything but 2xx. */
async function callApi<T>(page: Page, method: string, path: string, body?: unknown): Promise<T> {
  const r = await page.evaluate(async ({ method, path, body }) => {
    const me = (await (await fetch('/api/auth/me')).json()) as { csrfToken: string }
    const headers: Record<string, string> = { 'x-csrf-token': me.csrfToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }
    const res = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
    return { status: res.status, body: (await res.json().catch(() => null)) as unknown }
  }, { method, path, body })
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path} answered ${String(r.status)} ${JSON.stringify(r.body)}`)
  return r.body as T
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: string[]; failureSummary?: string }[]
}

/** Runs axe in the page (through the DevTools protocol, so the page's CSP does not apply to it). */
async function audit(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource)
  return page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: AxeViolation[] }> } }).axe
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }))
  }, WCAG_TAGS)
}

/**
 * Tabs through the page and returns the focus stops without a visible focus indicator (an outline of
 * at least 2 px or a box shadow), stopping when focus comes back round to the first stop.
 */
async function focusStopsWithoutRing(page: Page): Promise<string[]> {
  const bad: string[] = []
  const seen = new Set<string>()
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab')
    const stop = await page.evaluate(() => {
      const el = document.activeElement
      if (!el || el === document.body) return null
      const cs = getComputedStyle(el)
      const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) || cs.boxShadow !== 'none'
      const id = `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}"`
      return { id, ring }
    })
    if (stop === null || seen.has(stop.id)) break
    seen.add(stop.id)
    if (!stop.ring) bad.push(stop.id)
  }
  if (seen.size === 0) bad.push('(nothing: Tab reaches no control)')
  return bad
}

let stack: ClientStack
let browser: Browser
let anon: WatchedContext
let member: WatchedContext
let fresh: WatchedContext
let secret = ''
let lastMfaAt = 0

beforeAll(async () => {
  // Step-up after 10 s (the smallest window), so the dialog can be opened for its audit.
  stack = await startClientStack({ camera: true, stepUpMaxAgeSec: 10 })
  browser = await launchBrowser()
  anon = await watchedContext(browser, VIEWPORTS[0])
  member = await watchedContext(browser, VIEWPORTS[0])
  fresh = await watchedContext(browser, VIEWPORTS[0])
  await fresh.page.goto(`${stack.appUrl}/signup`)
  await fresh.page.getByLabel('Email').fill('fresh@example.test')
  await fresh.page.getByLabel('Password', { exact: true }).fill(MEMBER.password)
  await fresh.page.getByRole('button', { name: 'Create account' }).click()
  await fresh.page.waitForURL(`${stack.appUrl}/account/2fa`)
  secret = await signUpWith2fa(member.page, stack.appUrl, MEMBER.email, MEMBER.password)
  lastMfaAt = Date.now()
  await createEvent(member.page, EVENT_ID, 'Garage gig')
  await member.page.goto(`${stack.appUrl}/creator?event=${EVENT_ID}`)
  await member.page.getByLabel('Camera angle').fill('stage')
  await member.page.getByRole('button', { name: /Create key/ }).click()
  const dialog = member.page.getByRole('dialog')
  const outcome = await Promise.race([dialog.waitFor().then(() => 'dialog'), member.page.getByText('New key created for stage.').waitFor().then(() => 'created')])
  if (outcome === 'dialog') {
    await dialog.getByLabel('Authenticator code').fill(await totpCode(secret, 30))
    await dialog.getByRole('button', { name: 'Confirm' }).click()
    await member.page.getByText('New key created for stage.').waitFor()
    lastMfaAt = Date.now()
  }
  // Something for the interaction panels to show: an open poll, a chat line, a question, an overlay token.
  const ev = `/api/events/${EVENT_ID}`
  const poll = await callApi<{ id: string }>(member.page, 'POST', `${ev}/polls`, { question: POLL_QUESTION, options: ['Blue', 'Red'] })
  await callApi(member.page, 'POST', `${ev}/polls/${poll.id}/open`)
  await callApi(member.page, 'POST', `${ev}/chat/messages`, { text: CHAT_LINE })
  await callApi(member.page, 'POST', `${ev}/questions`, { text: 'Is there an encore?' })
  overlayToken = (await callApi<{ token: string }>(member.page, 'POST', `${ev}/realtime-tokens`, {})).token
})

afterAll(async () => {
  await browser?.close()
  await stack?.close()
})

describe('accessibility audit (axe-core, WCAG 2.1 A and AA)', () => {
  it('every page and state at phone, tablet and TV sizes has no violations, and no CSP violation occurs', async () => {
    const failures: string[] = []
    for (const vp of VIEWPORTS) {
      for (const row of PAGES) {
        const { page } = { anon, member, fresh }[row.who]
        await page.setViewportSize({ width: vp.width, height: vp.height })
        if (row.name.includes('step-up')) {
          // The step-up window must have passed for the server to ask again.
          const wait = lastMfaAt + 11_000 - Date.now()
          if (wait > 0) await new Promise((r) => setTimeout(r, wait))
        }
        await page.goto(`${stack.appUrl}${typeof row.path === 'function' ? row.path() : row.path}`)
        await row.ready(page)
        for (const v of await audit(page)) {
          failures.push(`${row.name} @ ${vp.name}: ${v.id} (${v.impact ?? '?'}) ${v.help} → ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
        }
        // Keyboard first: every focus stop shows where focus is (checked once per page, at tablet size).
        if (vp.name === 'tablet' && row.noControls !== true) for (const el of await focusStopsWithoutRing(page)) failures.push(`${row.name} @ ${vp.name}: no visible focus on ${el}`)
        await row.after?.(page)
      }
    }
    expect(failures).toEqual([])
    expect(anon.errors.filter((e) => /Content[- ]Security|Refused to/i.test(e))).toEqual([])
    // The pages were served under the engagement service's strict policy, not without one.
    expect((await fetch(`${stack.appUrl}/`)).headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/)
    expect([...(await anon.cspViolations()), ...(await member.cspViolations()), ...(await fresh.cspViolations())]).toEqual([])
  })
})

describe('the CSP recorder', () => {
  it('reports a violation when a page breaks its policy (so an empty list above means none happened)', async () => {
    const w = await watchedContext(browser, VIEWPORTS[0])
    await w.context.route(`${stack.appUrl}/csp-probe`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', headers: { 'content-security-policy': "script-src 'none'" }, body: '<!doctype html><p>probe</p><script>1</script>' }),
    )
    await w.page.goto(`${stack.appUrl}/csp-probe`)
    await expect.poll(() => w.cspViolations()).not.toEqual([])
    await w.context.close()
  })
})
