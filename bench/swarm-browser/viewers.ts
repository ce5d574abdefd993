import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import type { ViewerStats } from '../../client/src/player/stats.ts'

/**
 * Real Chromium viewers for end-to-end tests and the swarm benchmark: one browser, one context per
 * viewer (separate storage, separate WebRTC stack), camera/microphone granted so Chromium offers
 * 127.0.0.1 host candidates inside the loopback-only namespace.
 */

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required',
  // Background viewers must keep playing at full rate.
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
]

/** Launches Debian's chromium. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: FLAGS })
}

/** One viewer page. */
export interface Viewer {
  page: Page
  stats(): Promise<ViewerStats | null>
  /** The video element's currentTime, seconds. */
  currentTime(): Promise<number>
  selectAngle(id: string): Promise<void>
  /** HTTP bytes by reason (seed, deadline, core, other). */
  breakdown(): Promise<Record<string, number>>
  /** Content-Security-Policy violations the page reported (`securitypolicyviolation` events and console). */
  cspViolations(): Promise<string[]>
  close(): Promise<void>
}

/** Opens `<appUrl>/e/<event>?<query>` in a fresh context. */
export async function openViewer(browser: Browser, appUrl: string, event: string, query = ''): Promise<Viewer> {
  const context: BrowserContext = await browser.newContext({ viewport: { width: 640, height: 480 } })
  await context.grantPermissions(['camera', 'microphone'], { origin: appUrl })
  // Recorded from the first script on, so a violation while the player boots is not missed.
  await context.addInitScript(() => {
    const seen: string[] = []
    ;(window as unknown as { __csp: string[] }).__csp = seen
    document.addEventListener('securitypolicyviolation', (e) => { seen.push(`${e.effectiveDirective} ${e.blockedURI}`) })
  })
  const page = await context.newPage()
  const consoleCsp: string[] = []
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) consoleCsp.push(m.text()) })
  await page.goto(`${appUrl}/e/${event}${query ? `?${query}` : ''}`)
  await page.waitForFunction(() => 'swarmstage' in window, null, { timeout: 20_000 })
  return {
    page,
    stats: () => page.evaluate(() => (window as unknown as { swarmstage: { stats(): ViewerStats | null } }).swarmstage.stats()),
    currentTime: () => page.evaluate(() => document.querySelector('video')?.currentTime ?? 0),
    selectAngle: (id: string) => page.evaluate((a) => (window as unknown as { swarmstage: { selectAngle(x: string): void } }).swarmstage.selectAngle(a), id),
    breakdown: () => page.evaluate(() => (window as unknown as { swarmstage: { breakdown(): Record<string, number> } }).swarmstage.breakdown()),
    cspViolations: async () => [...(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])), ...consoleCsp],
    close: () => context.close(),
  }
}
