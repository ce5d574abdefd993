/**
 * Test double for the engagement API in component tests (happy-dom has no server): a route table
 * answering `fetch`, recording every call with its headers and body.
 */
import { vi } from 'vitest'
import type { MeView } from '../../../common/wire/accounts.ts'

export interface FakeCall {
  method: string
  path: string
  headers: Record<string, string>
  body: unknown
}

export type FakeHandler = (call: FakeCall, n: number) => { status: number; body: unknown }

/** Installs a fetch stub; handlers are keyed `METHOD /path` (path without query). */
export function fakeApi(handlers: Record<string, FakeHandler>): { calls: FakeCall[]; restore: () => void } {
  const calls: FakeCall[] = []
  const counts = new Map<string, number>()
  const stub = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input), 'http://localhost')
    const method = init?.method ?? 'GET'
    const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]))
    const call: FakeCall = { method, path: url.pathname, headers, body: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined }
    calls.push(call)
    const key = `${method} ${url.pathname}`
    const n = (counts.get(key) ?? 0) + 1
    counts.set(key, n)
    const h = handlers[key]
    const out = h === undefined ? { status: 404, body: { error: 'NOT_FOUND', message: `no fake for ${key}` } } : h(call, n)
    return new Response(JSON.stringify(out.body), { status: out.status, headers: { 'content-type': 'application/json' } })
  })
  vi.stubGlobal('fetch', stub)
  return { calls, restore: () => vi.unstubAllGlobals() }
}

/** A minimal `me` body. */
export function meBody(over: Partial<{ totpEnabled: boolean; csrfToken: string }> = {}): MeView {
  return {
    user: { id: 'u1', email: 'a@example.test', displayName: 'viewer-0001', isAdmin: false, totpEnabled: over.totpEnabled ?? false, recoveryCodesLeft: 0, roles: [] },
    session: { id: 'h'.repeat(64), current: true, createdAt: '2026-01-01T00:00:00Z', lastSeenAt: '2026-01-01T00:00:00Z', expiresAt: '2026-01-02T00:00:00Z', remember: false, ip: '127.0.0.1', userAgent: 'test' },
    csrfToken: over.csrfToken ?? 'csrf-1',
    stepUpValidUntil: null,
  }
}
