// Where the gateway is: `realtimeUrl` from `GET /api/client-config`, else `?realtime=`, else port 8082 of the page's host.
import type { ClientConfig } from '../../../common/wire/client-config.ts'

/** Default for a page served from `location`: the gateway's default port on the same host. */
export function defaultRealtimeUrl(location: { hostname: string; protocol: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.hostname}:8082`
}

function wsUrl(v: unknown): string | null {
  if (typeof v !== 'string' || v.length > 2048) return null
  try {
    const u = new URL(v)
    return u.protocol === 'ws:' || u.protocol === 'wss:' ? v.replace(/\/+$/, '') : null
  } catch {
    return null
  }
}

/** Picks the gateway URL: the query's `realtime`, then the server's `realtimeUrl`, then the default. */
export function resolveRealtimeUrl(server: unknown, query: URLSearchParams, fallback: string): string {
  const fromServer = typeof server === 'object' && server !== null ? wsUrl((server as Partial<Record<keyof ClientConfig, unknown>>).realtimeUrl) : null
  return wsUrl(query.get('realtime')) ?? fromServer ?? fallback
}

/** Fetches `/api/client-config` (2 s timeout) and resolves the gateway URL for this page. */
export async function loadRealtimeUrl(fetchFn: typeof fetch = fetch, loc: Location = window.location): Promise<string> {
  let server: unknown = null
  try {
    const res = await fetchFn('/api/client-config', { signal: AbortSignal.timeout(2000), headers: { accept: 'application/json' } })
    if (res.ok) server = await res.json()
  } catch {
    // Static hosting or an unreachable service: the default next to the page.
  }
  return resolveRealtimeUrl(server, new URLSearchParams(loc.search), defaultRealtimeUrl(loc))
}
