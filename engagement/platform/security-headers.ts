// Security headers on every engagement response: a strict Content-Security-Policy, HSTS, and the browser-isolation headers.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { EngagementConfig } from '../config.ts'
import { originBaseUrl, realtimeUrl, requestBase, trackerUrls } from '../meta/public-urls.ts'
import { trackerInstancesFor } from '../playback/playback-session.ts'

// What a CSP source may contain; anything else (`;`, `,`, quotes, spaces) could end the directive.
const SAFE_SOURCE = /^(?:https?|wss?):\/\/[A-Za-z0-9.\-[\]:]+$/

/** `scheme://host[:port]` of a URL when it is one the browser connects to, else null. */
function sourceOf(url: string): string | null {
  try {
    const u = new URL(url)
    if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) return null
    const source = `${u.protocol}//${u.host}`
    return SAFE_SOURCE.test(source) ? source : null
  } catch {
    return null
  }
}

/**
 * The `connect-src` sources of a request: `'self'`, the origin (LL-HLS, fetched by hls.js) and the
 * trackers and the real-time gateway the viewer is told about, derived exactly as `/api/client-config`
 * derives them. A Host header that is not a plain host contributes nothing. Placement adds its tracker instances here.
 */
export function connectSources(config: Pick<EngagementConfig, 'publicOriginUrl' | 'publicTrackerUrls' | 'trackerInstances' | 'publicRealtimeUrl' | 'gatewayPort'>, req: FastifyRequest): string[] {
  const base = requestBase(req)
  // Playback sessions send viewers to the placement's tracker instances (configured or derived).
  const placed = config.trackerInstances.map((i) => i.url)
  const urls = base === null
    ? [config.publicOriginUrl, ...config.publicTrackerUrls, ...placed, config.publicRealtimeUrl]
    : [originBaseUrl(config, base), ...trackerUrls(config, base), ...trackerInstancesFor(config, base).map((i) => i.url), realtimeUrl(config, base)]
  const out = ["'self'"]
  for (const u of urls) {
    const s = u === '' ? null : sourceOf(u)
    if (s !== null && !out.includes(s)) out.push(s)
  }
  return out
}

/** The Content-Security-Policy value for a request. */
export function contentSecurityPolicy(connect: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // The built app (vite build, dist/client) has no style attributes and no <style> elements:
    // Svelte's component CSS is extracted into /assets/*.css, and CSSOM writes (el.style.x = …)
    // are not governed by style-src. So no 'unsafe-inline' for styles either.
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self' blob:",
    "worker-src 'self' blob:",
    `connect-src ${connect.join(' ')}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ')
}

const PERMISSIONS = 'camera=(), microphone=(), geolocation=(), payment=(), usb=()'

/** Adds the headers to every response, API, static files, errors and 404s alike. */
export function registerSecurityHeaders(app: FastifyInstance, config: EngagementConfig): void {
  app.addHook('onSend', async (req, reply, payload) => {
    void reply.header('content-security-policy', contentSecurityPolicy(connectSources(config, req)))
    void reply.header('x-content-type-options', 'nosniff')
    void reply.header('referrer-policy', 'strict-origin-when-cross-origin')
    void reply.header('cross-origin-opener-policy', 'same-origin')
    void reply.header('x-frame-options', 'DENY')
    void reply.header('permissions-policy', PERMISSIONS)
    // Outside dev the service is reached over TLS (directly or through the proxy).
    if (!config.dev) void reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains')
    return payload
  })
}
