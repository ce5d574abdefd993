// The engagement bench's world: a 2FA host with an event (through the API), viewer accounts and their tokens, chatters' sessions.
import { randomBytes } from 'node:crypto'
import { generate } from 'otplib'
import { Redis } from 'ioredis'
import { loadEngagementConfig } from '../../engagement/config.ts'
import type { Db } from '../../engagement/platform/db.ts'
import type { Kv } from '../../engagement/platform/kv.ts'
import { LoginSessions } from '../../engagement/accounts/login-sessions.ts'
import { signRealtimeToken } from '../../engagement/realtime/token.ts'

/** Refuses any store that is not on 127.0.0.1 (the bench floods what it targets). */
export function assertLocal(url: string, what: string): void {
  let host: string
  try {
    host = new URL(url).hostname
  } catch {
    throw new Error(`${what} is not a URL: ${url}`)
  }
  if (host !== '127.0.0.1') throw new Error(`${what} must be on 127.0.0.1 (got ${host}); the bench runs only against this machine`)
}

/** A cookie-and-CSRF client over fetch, as a browser would be. */
export class ApiClient {
  constructor(
    readonly base: string,
    public cookie = '',
    public csrf = '',
  ) {}

  /** One request; returns the status and the JSON body ({} when none). */
  async req(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = {}
    if (this.cookie !== '') headers.cookie = this.cookie
    if (this.csrf !== '' && method !== 'GET') headers['x-csrf-token'] = this.csrf
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(`${this.base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) })
    const set = res.headers.getSetCookie().find((c) => c.startsWith('ss_session='))
    if (set !== undefined) this.cookie = set.split(';')[0] ?? ''
    const json = (res.headers.get('content-type') ?? '').includes('json') ? ((await res.json()) as Record<string, unknown>) : {}
    if (typeof json.csrfToken === 'string') this.csrf = json.csrfToken
    return { status: res.status, body: json }
  }

  /** Like {@link req} but throws unless the status is one of `ok`. */
  async must(method: 'GET' | 'POST' | 'DELETE', path: string, body: unknown, ok: number[]): Promise<Record<string, unknown>> {
    const r = await this.req(method, path, body)
    if (!ok.includes(r.status)) throw new Error(`${method} ${path}: ${String(r.status)} ${JSON.stringify(r.body).slice(0, 300)}`)
    return r.body
  }
}

/** The host: signed up, signed in and 2FA-enrolled through the API (moderation needs a 2FA session), owner of the event. */
export async function hostWithEvent(base: string, tag: string): Promise<{ host: ApiClient; eventId: string }> {
  const host = new ApiClient(base)
  const email = `bench-host-${tag}@example.test`
  const password = `bench password ${tag} staple`
  await host.must('POST', '/api/auth/register', { email, password }, [201, 202])
  await host.must('POST', '/api/auth/login', { email, password }, [200])
  const enroll = await host.must('POST', '/api/auth/totp/enroll', undefined, [200])
  await host.must('POST', '/api/auth/totp/confirm', { totpCode: await generate({ secret: String(enroll.secret) }) }, [200])
  const eventId = `bench-${tag}`
  await host.must('POST', '/api/events', { id: eventId, title: 'Engagement bench' }, [201])
  return { host, eventId }
}

/** A poll created and opened by the host; returns its id and option ids. */
export async function openPoll(host: ApiClient, eventId: string, question: string): Promise<{ pollId: string; options: string[] }> {
  const created = await host.must('POST', `/api/events/${eventId}/polls`, { question, options: ['Red', 'Green', 'Blue', 'Yellow'] }, [201])
  const pollId = String(created.id)
  const opened = await host.must('POST', `/api/events/${eventId}/polls/${pollId}/open`, undefined, [200])
  const options = (opened.options as { id: string }[]).map((o) => o.id)
  return { pollId, options }
}

/** Ids of the viewer accounts `0..n-1` of this run. */
export const viewerId = (tag: string, i: number): string => `bv-${tag}-${String(i)}`

/** Inserts viewer accounts by SQL in chunks (sign-up is measured elsewhere; 20,000 password hashes are not the point). */
export async function insertViewers(db: Db, tag: string, first: number, n: number): Promise<void> {
  const chunk = 5000
  for (let at = first; at < first + n; at += chunk) {
    const ids = Array.from({ length: Math.min(chunk, first + n - at) }, (_, k) => viewerId(tag, at + k))
    await db.query("INSERT INTO users (id, email, password_hash) SELECT u, u || '@example.test', 'unused' FROM unnest($1::text[]) AS u", [ids])
  }
}

/**
 * Realtime tokens (what `createRealtimeToken` issues: HS256 with the instances' shared secret) for
 * viewers `0..n-1`, so each subscriber socket is a signed-in viewer that may vote.
 */
export async function viewerTokens(secret: string, tag: string, eventId: string, n: number, ttlSec: number): Promise<string[]> {
  const key = new TextEncoder().encode(secret)
  const nowSec = Math.floor(Date.now() / 1000)
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(await signRealtimeToken(key, { sub: viewerId(tag, i), event: eventId, role: 'viewer', nowSec, ttlSec }))
  return out
}

/**
 * Login sessions for viewers `0..n-1` in the shared store (the records sign-in writes), as the
 * Cookie header values a signed-in browser sends with its socket upgrade.
 */
export async function viewerCookies(kv: Kv, tag: string, n: number): Promise<string[]> {
  const sessions = new LoginSessions(kv, loadEngagementConfig({}, { dev: true }), Date.now)
  const out: string[] = new Array<string>(n)
  const chunk = 200
  for (let at = 0; at < n; at += chunk) {
    await Promise.all(
      Array.from({ length: Math.min(chunk, n - at) }, async (_, k) => {
        const s = await sessions.create(viewerId(tag, at + k), { remember: false, mfaAtMs: 0, ip: '127.0.0.1', userAgent: 'engagement-bench' })
        out[at + k] = `ss_session=${s.id}`
      }),
    )
  }
  return out
}

/** Chat accounts with login sessions in the shared store (the same records sign-in writes), as API clients of `base`. */
export async function chatters(db: Db, kv: Kv, tag: string, n: number, bases: string[]): Promise<ApiClient[]> {
  const ids = Array.from({ length: n }, (_, i) => `bc-${tag}-${String(i)}`)
  await db.query("INSERT INTO users (id, email, password_hash) SELECT u, u || '@example.test', 'unused' FROM unnest($1::text[]) AS u", [ids])
  const sessions = new LoginSessions(kv, loadEngagementConfig({}, { dev: true }), Date.now)
  return Promise.all(
    ids.map(async (userId, i) => {
      const s = await sessions.create(userId, { remember: false, mfaAtMs: 0, ip: '127.0.0.1', userAgent: 'engagement-bench' })
      return new ApiClient(bases[i % bases.length] ?? '', `ss_session=${s.id}`, s.record.csrf)
    }),
  )
}

/** Deletes every Redis key under `prefix` (the run's own; refuses short prefixes). */
export async function dropRedisPrefix(url: string, prefix: string): Promise<void> {
  if (!prefix.startsWith('bench:') || prefix.length < 12) throw new Error(`refusing to drop kv prefix ${prefix}`)
  const r = new Redis(url)
  try {
    let cursor = '0'
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) await r.del(...keys)
    } while (cursor !== '0')
  } finally {
    await r.quit()
  }
}

/** A random tag for this run's schema, kv prefix and names. */
export const runTag = (): string => randomBytes(4).toString('hex')
