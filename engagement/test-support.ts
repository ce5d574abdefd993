/**
 * Test harness: an engagement app on the embedded backends, or — when DATABASE_URL / REDIS_URL are
 * set (scripts/test.sh second pass) — on real PostgreSQL and Redis, each app in its own schema and
 * key prefix so parallel test files never collide. The clock is injected.
 */
import { randomBytes } from 'node:crypto'
import { generate } from 'otplib'
import { Redis } from 'ioredis'
import { loadEngagementConfig, type EngagementConfig } from './config.ts'
import { buildApp, type BuiltApp } from './server.ts'
import { dropSchema } from './platform/db.ts'
import { createLogger } from '../common/log.ts'
import type { OriginAdmin } from './events/origin-admin.ts'

/** A movable clock. */
export interface TestClock {
  now: () => number
  advance(ms: number): void
}

export function testClock(startMs = Date.UTC(2026, 0, 1, 12, 0, 0)): TestClock {
  let t = startMs
  return { now: () => t, advance: (ms) => void (t += ms) }
}

/** A built app plus its clock, the origin calls it made, and cleanup. */
export interface TestApp extends BuiltApp {
  clock: TestClock
  originCalls: string[]
  close(): Promise<void>
}

/** Builds an isolated app; `overrides` go into the config. */
export async function makeApp(overrides: Record<string, unknown> = {}, origin?: OriginAdmin): Promise<TestApp> {
  const tag = randomBytes(6).toString('hex')
  const env = process.env
  const config: EngagementConfig = loadEngagementConfig(
    { DATABASE_URL: env.DATABASE_URL, REDIS_URL: env.REDIS_URL },
    { dev: true, logLevel: 'silent', pgliteDataDir: '', loginPerIpPer15Min: 10_000, registerPerIpPerHour: 10_000, loginChallengeBits: 12, loginDelayBaseMs: 1, loginDelayMaxMs: 20, internalToken: 'internal-test-token', databaseSchema: env.DATABASE_URL !== undefined && env.DATABASE_URL !== '' ? `t_${tag}` : '', kvPrefix: `test:${tag}:`, staticDir: `/nonexistent-${tag}`, ...overrides },
  )
  const clock = testClock()
  const originCalls: string[] = []
  const built = await buildApp(config, {
    now: clock.now,
    logger: createLogger('engagement-test', 'silent'),
    origin: origin ?? {
      endStream: async (event) => {
        originCalls.push(event)
        return true
      },
    },
  })
  return {
    ...built,
    clock,
    originCalls,
    async close() {
      await built.app.close()
      await dropSchema(config.databaseUrl, config.databaseSchema)
      await dropKvPrefix(config.redisUrl, config.kvPrefix)
    },
  }
}

/** Deletes a test's keys from the real Redis (the in-process store vanishes on close). */
export async function dropKvPrefix(url: string, prefix: string): Promise<void> {
  if (url === '' || !prefix.startsWith('test:')) return
  const r = new Redis(url)
  try {
    let cursor = '0'
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      cursor = next
      if (keys.length > 0) await r.del(...keys)
    } while (cursor !== '0')
  } finally {
    await r.quit()
  }
}

/** Cookie-and-CSRF-carrying client over `app.inject`. */
export class Agent {
  cookie = ''
  csrf = ''
  constructor(
    readonly t: TestApp,
    readonly ip = '10.0.0.1',
  ) {}

  async req(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown, opts: { csrf?: boolean; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...opts.headers }
    if (this.cookie !== '') headers.cookie = this.cookie
    if (opts.csrf !== false && this.csrf !== '' && method !== 'GET') headers['x-csrf-token'] = this.csrf
    const res = await this.t.app.inject({ method, url, headers, remoteAddress: this.ip, ...(body !== undefined ? { payload: body as object } : {}) })
    const set = res.cookies.find((c) => c.name === this.t.ctx.config.cookieName)
    if (set !== undefined) this.cookie = set.value === '' ? '' : `${set.name}=${set.value}`
    const json = res.headers['content-type']?.toString().includes('json') === true ? (res.json() as Record<string, unknown>) : {}
    if (typeof json.csrfToken === 'string') this.csrf = json.csrfToken
    return { status: res.statusCode, body: json, res }
  }
}

let emailSeq = 0
/** A unique email for this process. */
export function freshEmail(): string {
  emailSeq += 1
  return `user${emailSeq}-${randomBytes(3).toString('hex')}@example.test`
}

export const GOOD_PASSWORD = 'correct horse battery staple 42'

/** Registers and signs in; returns the agent. */
export async function signedIn(t: TestApp, email = freshEmail(), ip = '10.0.0.1'): Promise<Agent> {
  const a = new Agent(t, ip)
  const r = await a.req('POST', '/api/auth/register', { email, password: GOOD_PASSWORD })
  if (r.status !== 202) throw new Error(`register ${r.status}`)
  const l = await a.req('POST', '/api/auth/login', { email, password: GOOD_PASSWORD })
  if (l.status !== 200) throw new Error(`login ${l.status}`)
  return a
}

/** TOTP code for `secret` at the app clock's time (plus `offsetMs`). */
export function codeAt(t: TestApp, secret: string, offsetMs = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor((t.clock.now() + offsetMs) / 1000) })
}

/** Enrolls and confirms TOTP for the agent's user; returns the secret and recovery codes. */
export async function enrollTotp(a: Agent): Promise<{ secret: string; recoveryCodes: string[] }> {
  const e = await a.req('POST', '/api/auth/totp/enroll')
  if (e.status !== 200) throw new Error(`enroll ${e.status} ${JSON.stringify(e.body)}`)
  const secret = e.body.secret as string
  const c = await a.req('POST', '/api/auth/totp/confirm', { totpCode: await codeAt(a.t, secret) })
  if (c.status !== 200) throw new Error(`confirm ${c.status} ${JSON.stringify(c.body)}`)
  // The next code must come from a later time step.
  a.t.clock.advance(30_000)
  return { secret, recoveryCodes: e.body.recoveryCodes as string[] }
}

/** A 2FA user who organizes a fresh event; returns the agent, secret and event id. */
export async function organizer(t: TestApp, eventId = `ev-${randomBytes(4).toString('hex')}`): Promise<{ a: Agent; secret: string; eventId: string; email: string }> {
  const email = freshEmail()
  const a = await signedIn(t, email)
  const { secret } = await enrollTotp(a)
  const r = await a.req('POST', '/api/events', { id: eventId, title: 'Test event' })
  if (r.status !== 201) throw new Error(`createEvent ${r.status} ${JSON.stringify(r.body)}`)
  return { a, secret, eventId, email }
}

/** Steps the agent up with a fresh code (advancing the clock one step first). */
export async function stepUp(a: Agent, secret: string): Promise<void> {
  a.t.clock.advance(30_000)
  const r = await a.req('POST', '/api/auth/step-up', { totpCode: await codeAt(a.t, secret) })
  if (r.status !== 200) throw new Error(`stepUp ${r.status} ${JSON.stringify(r.body)}`)
}

/** One answer of {@link fetchAgent}: status and JSON body. */
export interface FetchAnswer {
  status: number
  body: Record<string, unknown>
}

/**
 * A cookie-keeping client of a running engagement service over real HTTP (for tests that run the
 * service next to the origin): keeps the session cookie and the CSRF token from the answers. Both
 * arguments are read per call, so they may be set in a `beforeAll`.
 */
export function fetchAgent(baseUrl: () => string, cookieName: () => string): (method: string, path: string, body?: unknown) => Promise<FetchAnswer> {
  let cookie = ''
  let csrf = ''
  return async (method, path, body) => {
    const res = await fetch(baseUrl() + path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(cookie !== '' ? { cookie } : {}), ...(csrf !== '' ? { 'x-csrf-token': csrf } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
    const set = res.headers.getSetCookie().find((c) => c.startsWith(`${cookieName()}=`))
    if (set !== undefined) cookie = set.split(';')[0] ?? ''
    const json = (await res.json()) as Record<string, unknown>
    if (typeof json.csrfToken === 'string') csrf = json.csrfToken
    return { status: res.status, body: json }
  }
}
