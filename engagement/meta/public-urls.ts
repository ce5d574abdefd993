// Where viewers find the origin and the trackers: configured URLs, else the host the request reached us on.
import { isIP } from 'node:net'
import type { FastifyRequest } from 'fastify'
import type { EngagementConfig } from '../config.ts'

/** How the viewer reached us: the public host (no port) and whether the connection was TLS. */
export interface RequestBase {
  host: string
  secure: boolean
}

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*\\.?$`)

/**
 * The request's host as something safe to put into a URL or a header: a DNS name, an IPv4
 * address or a bracketed IPv6 literal, nothing else (no userinfo, path, quotes, spaces,
 * semicolons). Null when the Host (or a trusted X-Forwarded-Host) is anything else.
 */
export function safeHost(host: string): string | null {
  const h = host.replace(/:\d{1,5}$/, '')
  if (h.length === 0 || h.length > 253) return null
  if (h.startsWith('[') && h.endsWith(']')) return isIP(h.slice(1, -1)) === 6 ? h.toLowerCase() : null
  return HOST_NAME.test(h) ? h.toLowerCase() : null
}

/**
 * The request's {@link RequestBase}, or null when its host header is not a plain host. Reads
 * `req.host` (the whole Host / trusted X-Forwarded-Host value): `req.hostname` cuts at the first
 * colon, which turns `user:pw@evil.example` into a harmless-looking `user`.
 */
export function requestBase(req: FastifyRequest): RequestBase | null {
  const host = safeHost(req.host)
  return host === null ? null : { host, secure: req.protocol === 'https' }
}

type UrlConfig = Pick<EngagementConfig, 'publicOriginUrl' | 'publicTrackerUrls'>

/** Public origin base URL: configured, else the request's host on :8081 (so a phone on the LAN works). */
export function originBaseUrl(config: UrlConfig, base: RequestBase): string {
  return config.publicOriginUrl || `${base.secure ? 'https' : 'http'}://${base.host}:8081`
}

/** Public tracker URLs: configured, else the request's host on :8000. */
export function trackerUrls(config: UrlConfig, base: RequestBase): string[] {
  return config.publicTrackerUrls.length > 0 ? config.publicTrackerUrls : [`${base.secure ? 'wss' : 'ws'}://${base.host}:8000`]
}

/** Public real-time gateway base URL: configured (no trailing slash), else the request's host on `gatewayPort` (8082). */
export function realtimeUrl(config: Pick<EngagementConfig, 'publicRealtimeUrl' | 'gatewayPort'>, base: RequestBase): string {
  if (config.publicRealtimeUrl !== '') return config.publicRealtimeUrl.replace(/\/$/, '')
  return `${base.secure ? 'wss' : 'ws'}://${base.host}:${String(config.gatewayPort === 0 ? 8082 : config.gatewayPort)}`
}
