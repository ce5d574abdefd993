// The real services the client's browser suites drive: engagement (serving the built app), origin with one camera, tracker.
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { generate } from 'otplib'
import { createLogger } from '../common/log.ts'
import { loadEngagementConfig } from '../engagement/config.ts'
import { openDatabase } from '../engagement/platform/storage.ts'
import { startEngagement } from '../engagement/server.ts'
import { loadOriginConfig } from '../origin/config.ts'
import { startOrigin } from '../origin/server.ts'
import { startSyntheticCamera } from '../origin/demo/cameras.ts'
import { loadTrackerConfig } from '../tracker/config.ts'
import { startTracker } from '../tracker/server.ts'
import { ensureDemoEvent } from '../scripts/demo-event.ts'
import { grantEventRole, userByEmail } from '../engagement/accounts/users.ts'
import type { EventRole } from '../common/wire/accounts.ts'
import { buildApp } from '../bench/swarm-browser/build-app.ts'

/** A running stack for the browser suites. */
export interface ClientStack {
  appUrl: string
  /** The event the synthetic camera publishes to. */
  event: string
  /** Gives the account with `email` a role on an event (the seeded demo event has no owner who could). */
  grantRole(email: string, eventId: string, role: EventRole): Promise<void>
  close(): Promise<void>
}

const EVENT = 'demo'
/** Two angles, so the viewer shows its angle switcher too. */
const ANGLES = [{ id: 'main', label: 'Main' }, { id: 'wide', label: 'Wide' }]
const LADDER = [{ name: '180p', width: 320, height: 180, videoBitrateKbps: 250, audioBitrateKbps: 64, fps: 15 }]

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await fn().catch(() => false))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 300))
  }
}

/**
 * Builds the app and starts the real engagement service (in-memory PGlite, dev mode) serving it.
 * With `camera`, also our origin with two small synthetic cameras live on event `demo` and our tracker,
 * wired into the engagement config as `npm start` wires them.
 */
export async function startClientStack(opts: { camera: boolean; stepUpMaxAgeSec?: number }): Promise<ClientStack> {
  const closers: (() => Promise<unknown>)[] = []
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) await c().catch(() => undefined)
  }
  try {
    const appDir = await buildApp()
    closers.push(() => rm(appDir, { recursive: true, force: true }))
    const secret = randomBytes(32).toString('base64url')
    let media: Record<string, unknown> = {}
    if (opts.camera) {
      const origin = await startOrigin(loadOriginConfig({
        env: {},
        overrides: {
          host: '127.0.0.1', httpPort: 0, rtmpPort: 0, srtPort: 0, logLevel: 'error', ladder: LADDER, x264Preset: 'ultrafast',
          streamKeys: ANGLES.map((a) => ({ key: `e2e-key-${a.id}`, event: EVENT, angle: a.id, label: a.label })),
        },
      }), { logger: createLogger('origin', 'error') })
      closers.push(() => origin.close())
      const cameras = ANGLES.map((a, i) => startSyntheticCamera({ url: `rtmp://127.0.0.1:${origin.rtmpPort}/live/e2e-key-${a.id}`, label: a.label, width: 320, height: 180, fps: 15, toneHz: 440 + 220 * i }))
      closers.push(() => Promise.all(cameras.map((c) => c.stop())))
      const originUrl = `http://127.0.0.1:${origin.httpPort}`
      for (const a of ANGLES) await waitFor(`camera ${a.id} on the origin`, async () => (await fetch(`${originUrl}/live/${EVENT}/${a.id}/master.m3u8`)).ok, 60_000)
      const tracker = await startTracker(loadTrackerConfig({
        env: {},
        overrides: { port: 0, host: '127.0.0.1', logLevel: 'error', jwtSecret: secret, jwtRequired: true, allowedOrigins: ['*'] },
      }), createLogger('tracker', 'error'))
      closers.push(() => tracker.close())
      const trackerUrl = `ws://127.0.0.1:${tracker.port}`
      media = { publicOriginUrl: originUrl, publicTrackerUrls: [trackerUrl], trackerInstances: [{ id: 't1', url: trackerUrl }], trackerJwtSecret: secret, originAdminUrl: originUrl }
    }
    const config = loadEngagementConfig({}, {
      host: '127.0.0.1', port: 0, gatewayPort: 0, dev: true, logLevel: 'error', pgliteDataDir: '', staticDir: appDir,
      ...(opts.stepUpMaxAgeSec === undefined ? {} : { stepUpMaxAgeSec: opts.stepUpMaxAgeSec }),
      ...media,
    })
    const db = await openDatabase(config)
    closers.push(() => db.close())
    await ensureDemoEvent(db, EVENT)
    const engagement = await startEngagement(config, { db, logger: createLogger('engagement', 'error') })
    closers.push(() => engagement.close())
    const grantRole = async (email: string, eventId: string, role: EventRole): Promise<void> => {
      const user = await userByEmail(db, email)
      if (user === null) throw new Error(`no account ${email}`)
      await grantEventRole(db, user.id, eventId, role)
    }
    return { appUrl: `http://127.0.0.1:${engagement.port}`, event: EVENT, grantRole, close }
  } catch (e) {
    await close()
    throw e
  }
}

/** A browser context that records Content-Security-Policy violations and console errors from the first script on. */
export interface WatchedContext {
  context: BrowserContext
  page: Page
  /** `securitypolicyviolation` events and CSP console messages, as `directive blocked-uri` lines. */
  cspViolations(): Promise<string[]>
  /** Console errors and uncaught page errors. */
  errors: string[]
}

/** Opens a context with CSP and error recording; the viewport is the caller's. */
export async function watchedContext(browser: Browser, viewport: { width: number; height: number }): Promise<WatchedContext> {
  const context = await browser.newContext({ viewport })
  const seen: string[] = []
  const errors: string[] = []
  // A binding survives navigations, so violations on every page visited are kept.
  await context.exposeBinding('__reportCsp', (_source, line: string) => {
    seen.push(line)
  })
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      void (window as unknown as { __reportCsp(line: string): Promise<void> }).__reportCsp(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`)
    })
  })
  const page = await context.newPage()
  page.on('console', (m) => {
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) seen.push(m.text())
    if (m.type() === 'error') errors.push(m.text())
  })
  page.on('pageerror', (e) => errors.push(String(e)))
  return { context, page, errors, cspViolations: () => Promise.resolve([...seen]) }
}

/** The current TOTP code for `secret`, shifted by `offsetSec` (the server accepts ±1 period and refuses reuse). */
export function totpCode(secret: string, offsetSec = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSec })
}

/** Signs up through the real pages and turns 2FA on; returns the TOTP secret read from the page. */
export async function signUpWith2fa(page: Page, appUrl: string, email: string, password: string): Promise<string> {
  await page.goto(`${appUrl}/signup`)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.waitForURL(`${appUrl}/account/2fa`)
  await page.getByRole('button', { name: 'Set up two-factor authentication' }).click()
  const secret = (await page.getByTestId('totp-secret').textContent())?.trim() ?? ''
  if (!/^[A-Z2-7]{16,}=*$/i.test(secret)) throw new Error('no TOTP secret on the enrolment page')
  // The previous period's code: the current and next ones stay free for step-up.
  await page.getByLabel('Code from your authenticator app').fill(await totpCode(secret, -30))
  await page.getByRole('button', { name: 'Turn on' }).click()
  await page.getByText('Two-factor authentication is on.').waitFor({ timeout: 15_000 }).catch(async (e: unknown) => {
    throw new Error(`2FA not turned on; the page says: ${(await page.locator('[role=alert]').allTextContents()).join(' | ')}`, { cause: e })
  })
  return secret
}

/** Creates an event owned by the signed-in user through the API (no page for it yet). */
export async function createEvent(page: Page, id: string, title: string): Promise<void> {
  const status = await page.evaluate(async ({ id, title }) => {
    const me = (await (await fetch('/api/auth/me')).json()) as { csrfToken: string }
    const res = await fetch('/api/events', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken }, body: JSON.stringify({ id, title }) })
    return res.status
  }, { id, title })
  if (status !== 201) throw new Error(`createEvent answered ${status}`)
}
