// Two engagement processes on one PostgreSQL and Redis; one is SIGKILLed mid-poll; the final counts must be exactly the stored votes.
import { describe, it, expect, afterAll, beforeAll } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { generate } from 'otplib'
import type { Poll } from '../../../common/wire/interaction.ts'
import { loadEngagementConfig } from '../../config.ts'
import { dropSchema, openDb, type Db } from '../../platform/db.ts'
import { createRedisKv } from '../../platform/kv-redis.ts'
import type { Kv } from '../../platform/kv.ts'
import { LoginSessions } from '../../accounts/login-sessions.ts'
import { GOOD_PASSWORD, dropKvPrefix } from '../../test-support.ts'

const DATABASE_URL = process.env.DATABASE_URL ?? ''
const REDIS_URL = process.env.REDIS_URL ?? ''
const REAL = DATABASE_URL !== '' && REDIS_URL !== ''
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const VOTERS = 300
const GRACE_MS = 1500

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      s.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))))
    })
  })
}

/** One engagement process running the real entry point (`engagement/main.ts`), as `npm run engagement` does. */
class Instance {
  readonly url: string
  private readonly child: ChildProcess
  private output = ''
  exited: Promise<number | null>

  constructor(
    readonly name: string,
    readonly port: number,
    env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${String(port)}`
    // Node with the tsx loader in-process (not the tsx CLI, which forks): the pid is the server's, so SIGKILL kills it.
    this.child = spawn(process.execPath, ['--import', 'tsx', 'engagement/main.ts'], { cwd: ROOT, env: { ...process.env, ...env, ENGAGEMENT_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] })
    const keep = (b: Buffer): void => {
      this.output = (this.output + b.toString()).slice(-8000)
    }
    this.child.stdout?.on('data', keep)
    this.child.stderr?.on('data', keep)
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)))
  }

  async ready(): Promise<void> {
    for (let i = 0; i < 300; i++) {
      try {
        if ((await fetch(`${this.url}/health`)).ok) return
      } catch {
        // not listening yet
      }
      if (this.child.exitCode !== null) break
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`${this.name} did not start:\n${this.output}`)
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal)
  }

  get log(): string {
    return this.output
  }
}

/** A cookie-and-CSRF client over fetch. */
class Client {
  constructor(
    public cookie = '',
    public csrf = '',
  ) {}

  async req(base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = {}
    if (this.cookie !== '') headers.cookie = this.cookie
    if (this.csrf !== '' && method !== 'GET') headers['x-csrf-token'] = this.csrf
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) })
    const set = res.headers.getSetCookie().find((c) => c.startsWith('ss_session='))
    if (set !== undefined) this.cookie = set.split(';')[0] ?? ''
    const json = (res.headers.get('content-type') ?? '').includes('json') ? ((await res.json()) as Record<string, unknown>) : {}
    if (typeof json.csrfToken === 'string') this.csrf = json.csrfToken
    return { status: res.status, body: json }
  }
}

/** What became of one voter. */
interface Voter {
  userId: string
  client: Client
  optionId: string
  via: 'A' | 'B'
  /** First attempt: HTTP status, or the network error's code when there was no answer. */
  first?: number | string
  /** Retry on B after no answer from A. */
  retry?: number
}

describe.skipIf(!REAL)('two engagement instances, one killed mid-poll (real PostgreSQL + Redis; needs DATABASE_URL and REDIS_URL)', () => {
  const tag = randomBytes(5).toString('hex')
  const schema = `t_kill_${tag}`
  const prefix = `test:${tag}:`
  const env = {
    DATABASE_URL,
    REDIS_URL,
    ENGAGEMENT_DEV: 'true',
    ENGAGEMENT_LOG_LEVEL: 'warn',
    ENGAGEMENT_DATABASE_SCHEMA: schema,
    ENGAGEMENT_KV_PREFIX: prefix,
    ENGAGEMENT_STATIC_DIR: `/nonexistent-${tag}`,
    ENGAGEMENT_POLL_VOTE_GRACE_MS: String(GRACE_MS),
    // Votes wait in the batch a while, so the kill finds some queued and some in their transaction.
    ENGAGEMENT_POLL_VOTE_BATCH_DELAY_MS: '40',
  }
  let a: Instance
  let b: Instance
  let db: Db
  let kv: Kv

  beforeAll(async () => {
    const [pa, pb, ga, gb] = await Promise.all([freePort(), freePort(), freePort(), freePort()])
    a = new Instance('A', pa, { ...env, ENGAGEMENT_GATEWAY_PORT: String(ga) })
    b = new Instance('B', pb, { ...env, ENGAGEMENT_GATEWAY_PORT: String(gb) })
    await Promise.all([a.ready(), b.ready()])
    db = await openDb({ url: DATABASE_URL, schema, dataDir: '' })
    kv = await createRedisKv(REDIS_URL, prefix)
  }, 120_000)

  afterAll(async () => {
    a.kill('SIGKILL')
    b.kill('SIGTERM')
    await Promise.all([a.exited, b.exited])
    await kv.close()
    await db.close()
    await dropSchema(DATABASE_URL, schema)
    await dropKvPrefix(REDIS_URL, prefix)
  }, 60_000)

  /** A 2FA organizer signed in through the API, with an event and an open poll. */
  async function hostWithOpenPoll(): Promise<{ host: Client; eventId: string; poll: Poll }> {
    const host = new Client()
    const email = `host-${tag}@example.test`
    expect((await host.req(b.url, 'POST', '/api/auth/register', { email, password: GOOD_PASSWORD })).status).toBe(202)
    expect((await host.req(b.url, 'POST', '/api/auth/login', { email, password: GOOD_PASSWORD })).status).toBe(200)
    const enroll = await host.req(b.url, 'POST', '/api/auth/totp/enroll')
    const code = await generate({ secret: enroll.body.secret as string })
    expect((await host.req(b.url, 'POST', '/api/auth/totp/confirm', { totpCode: code })).status).toBe(200)
    const eventId = `kill-${tag}`
    expect((await host.req(b.url, 'POST', '/api/events', { id: eventId, title: 'Kill test' })).status).toBe(201)
    const created = await host.req(b.url, 'POST', `/api/events/${eventId}/polls`, { question: 'Which one?', options: ['Red', 'Green', 'Blue'] })
    expect(created.status).toBe(201)
    // Opened through A: the other instance serves the same poll.
    const opened = await host.req(a.url, 'POST', `/api/events/${eventId}/polls/${created.body.id as string}/open`)
    expect(opened.body).toMatchObject({ status: 'open' })
    return { host, eventId, poll: opened.body as unknown as Poll }
  }

  /** Voter accounts with login sessions in the shared store (sign-in itself is tested elsewhere; 300 password hashes are not the point). */
  async function makeVoters(): Promise<Voter[]> {
    const ids = Array.from({ length: VOTERS }, (_, i) => `voter-${tag}-${String(i)}`)
    await db.query("INSERT INTO users (id, email, password_hash) SELECT u, u || '@example.test', 'unused' FROM unnest($1::text[]) AS u", [ids])
    const sessions = new LoginSessions(kv, loadEngagementConfig({}, { dev: true }), Date.now)
    return Promise.all(
      ids.map(async (userId, i) => {
        const s = await sessions.create(userId, { remember: false, mfaAtMs: 0, ip: '127.0.0.1', userAgent: 'kill-test' })
        return { userId, client: new Client(`ss_session=${s.id}`, s.record.csrf), optionId: `o${String((i % 3) + 1)}`, via: i % 2 === 0 ? 'A' : 'B' } satisfies Voter
      }),
    )
  }

  const noAnswer = (err: unknown): string => {
    const cause = (err as { cause?: { code?: string } }).cause
    return cause?.code ?? 'NO_ANSWER'
  }

  it('SIGKILL of instance A mid-poll: voters without an answer retry on B, and the final counts are exactly the stored votes, none missing, none doubled', async () => {
    const { host, eventId, poll } = await hostWithOpenPoll()
    const voters = await makeVoters()
    const votePath = `/api/events/${eventId}/polls/${poll.id}/votes`
    const instance = (v: Voter): Instance => (v.via === 'A' ? a : b)

    let ackedByA = 0
    let killed = false
    const killAfterAcks = 40
    const attempts = voters.map(async (v, i) => {
      // Spread over about a second, so the kill lands while votes arrive, wait in batches and commit.
      await new Promise((r) => setTimeout(r, Math.floor(i / 2) * 6))
      try {
        const r = await v.client.req(instance(v).url, 'POST', votePath, { optionId: v.optionId })
        v.first = r.status
        if (v.via === 'A' && r.status === 201) {
          ackedByA += 1
          if (ackedByA === killAfterAcks && !killed) {
            killed = true
            a.kill('SIGKILL')
          }
        }
      } catch (err) {
        v.first = noAnswer(err)
      }
    })
    await Promise.all(attempts)
    expect(killed).toBe(true)
    expect(await a.exited).toBeNull()

    // Whoever got no answer (or a 5xx) retries on B.
    const unanswered = voters.filter((v) => typeof v.first !== 'number' || v.first >= 500)
    for (const v of unanswered) v.retry = (await v.client.req(b.url, 'POST', votePath, { optionId: v.optionId })).status

    // The kill hit votes in flight: some had been sent to A and never answered.
    const lostInFlight = unanswered.filter((v) => v.via === 'A' && v.first !== 'ECONNREFUSED')
    expect(lostInFlight.length).toBeGreaterThan(0)
    expect(voters.filter((v) => v.via === 'B').every((v) => v.first === 201)).toBe(true)
    expect(unanswered.every((v) => v.retry === 201 || v.retry === 409)).toBe(true)
    // A 201 is the only answer a first attempt gets (one vote each); anything else would be a bug.
    expect(voters.filter((v) => typeof v.first === 'number' && v.first < 500).every((v) => v.first === 201)).toBe(true)

    // Close through B; after the grace B's sweep reads the final counts from the database.
    expect((await host.req(b.url, 'POST', `/api/events/${eventId}/polls/${poll.id}/close`)).status).toBe(200)
    let final: Poll | undefined
    for (let i = 0; i < 100 && final === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100))
      const got = (await new Client().req(b.url, 'GET', `/api/events/${eventId}/polls/${poll.id}`)).body as unknown as Poll
      if (got.final) final = got
    }
    expect(final).toBeDefined()

    // Stored = acknowledged (201 through A or B) plus those whose retry was told ALREADY_VOTED (stored by A, answer lost).
    const acknowledged = voters.filter((v) => v.first === 201 || v.retry === 201)
    const storedUnanswered = voters.filter((v) => v.retry === 409)
    expect(acknowledged.length + storedUnanswered.length).toBe(VOTERS)
    const rows = await db.query<{ user_id: string; option_id: string }>('SELECT user_id, option_id FROM poll_votes WHERE poll_id = $1', [poll.id])
    const stored = new Map(rows.map((r) => [r.user_id, r.option_id]))
    expect(rows).toHaveLength(VOTERS)
    for (const v of voters) expect(stored.get(v.userId)).toBe(v.optionId)
    const expected = { o1: 0, o2: 0, o3: 0 } as Record<string, number>
    for (const v of voters) expected[v.optionId] = (expected[v.optionId] ?? 0) + 1
    expect(final?.totalVotes).toBe(VOTERS)
    expect(Object.fromEntries((final?.options ?? []).map((o) => [o.id, o.votes]))).toEqual(expected)
    console.info(`kill test: ${String(ackedByA)} acked by A before the kill, ${String(lostInFlight.length)} in flight lost, ${String(unanswered.length - lostInFlight.length)} refused connection, ${String(storedUnanswered.length)} stored but unanswered (409 on retry)`)
  }, 120_000)
})
