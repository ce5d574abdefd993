// Two engagement processes on one PostgreSQL and Redis; one is SIGKILLed mid-poll; the final counts must be exactly the stored votes.
import { describe, it, expect, afterAll, beforeAll } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { generate } from 'otplib'
import type { Poll } from '../../../common/wire/interaction.ts'
import type { ServerMessage } from '../../../common/wire/realtime.ts'
import { loadEngagementConfig } from '../../config.ts'
import { dropSchema, openDb, type Db } from '../../platform/db.ts'
import { createRedisKv } from '../../platform/kv-redis.ts'
import type { Kv } from '../../platform/kv.ts'
import { LoginSessions } from '../../accounts/login-sessions.ts'
import { GOOD_PASSWORD, dropKvPrefix } from '../../test-support.ts'
import { TestSocket } from '../../realtime/test-client.ts'

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
  readonly gatewayUrl: string
  private readonly child: ChildProcess
  private output = ''
  exited: Promise<number | null>

  constructor(
    readonly name: string,
    readonly port: number,
    readonly gatewayPort: number,
    env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${String(port)}`
    this.gatewayUrl = `ws://127.0.0.1:${String(gatewayPort)}`
    // Node with the tsx loader in-process (not the tsx CLI, which forks): the pid is the server's, so SIGKILL kills it.
    this.child = spawn(process.execPath, ['--import', 'tsx', 'engagement/main.ts'], { cwd: ROOT, env: { ...process.env, ...env, ENGAGEMENT_PORT: String(port), ENGAGEMENT_GATEWAY_PORT: String(gatewayPort) }, stdio: ['ignore', 'pipe', 'pipe'] })
    const keep = (b: Buffer): void => {
      this.output = (this.output + b.toString()).slice(-8000)
    }
    this.child.stdout?.on('data', keep)
    this.child.stderr?.on('data', keep)
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)))
  }

  async ready(): Promise<void> {
    // Up to a minute: tsx compiles the service on start, and the machine may be busy.
    for (let i = 0; i < 600; i++) {
      try {
        const [api, gw] = await Promise.all([fetch(`${this.url}/health`), fetch(`http://127.0.0.1:${String(this.gatewayPort)}/health`)])
        if (api.ok && gw.ok) return
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

/**
 * Starts an instance on free ports. A port found free can be taken by another test before the child
 * binds it (tsx takes seconds to start): then it exits with EADDRINUSE and is started again elsewhere.
 */
async function start(name: string, env: Record<string, string>): Promise<Instance> {
  for (let attempt = 1; ; attempt++) {
    const inst = new Instance(name, await freePort(), await freePort(), env)
    try {
      await inst.ready()
      return inst
    } catch (err) {
      inst.kill('SIGKILL')
      await inst.exited
      if (attempt >= 3 || !inst.log.includes('EADDRINUSE')) throw err
    }
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
  /** The first attempt goes over REST or over the gateway socket of its instance. */
  over: 'rest' | 'socket'
  socket?: TestSocket
  /** First attempt: HTTP status (an `ack` counts as 201, a socket `error` as its code), or why there was no answer. */
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
  // Set by beforeAll; afterAll uses `?.` because a failed start leaves them unset.
  let a: Instance
  let b: Instance
  let db: Db
  let kv: Kv

  beforeAll(async () => {
    ;[a, b] = await Promise.all([start('A', env), start('B', env)])
    db = await openDb({ url: DATABASE_URL, schema, dataDir: '' })
    kv = await createRedisKv(REDIS_URL, prefix)
  }, 120_000)

  afterAll(async () => {
    a?.kill('SIGKILL')
    b?.kill('SIGTERM')
    await Promise.all([a?.exited, b?.exited])
    await kv?.close()
    await db?.close()
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
        return { userId, client: new Client(`ss_session=${s.id}`, s.record.csrf), optionId: `o${String((i % 3) + 1)}`, via: i % 2 === 0 ? 'A' : 'B', over: i % 4 < 2 ? 'rest' : 'socket' } satisfies Voter
      }),
    )
  }

  const noAnswer = (err: unknown): string => {
    const cause = (err as { cause?: { code?: string } }).cause
    return `no-answer:${cause?.code ?? 'unknown'}`
  }

  it('SIGKILL of instance A mid-poll: voters without an answer retry on B, and the final counts are exactly the stored votes, none missing, none doubled', async () => {
    const { host, eventId, poll } = await hostWithOpenPoll()
    const voters = await makeVoters()
    const votePath = `/api/events/${eventId}/polls/${poll.id}/votes`
    const instance = (v: Voter): Instance => (v.via === 'A' ? a : b)
    const socketUrl = (i: Instance): string => `${i.gatewayUrl}/v1/events/${eventId}`
    const isPoll = (pred: (p: Poll) => boolean) => (m: ServerMessage) => m.type === 'poll' && m.poll.id === poll.id && pred(m.poll)

    // A guest watching through B's gateway sees a vote made through A (merged counts, B's tick).
    const watcher = await TestSocket.connect(socketUrl(b))
    await watcher.next((m) => m.type === 'hello')
    const [early, ...rest] = voters
    if (early === undefined) throw new Error('no voters')
    early.first = (await early.client.req(a.url, 'POST', votePath, { optionId: early.optionId })).status
    expect(early.first).toBe(201)
    const seen = await watcher.next<Extract<ServerMessage, { type: 'poll' }>>(isPoll((p) => p.totalVotes === 1), 15_000)
    expect(seen.poll.options.find((o) => o.id === early.optionId)?.votes).toBe(1)

    // Socket voters connect (cookie) to their instance's gateway before the votes start.
    await Promise.all(
      rest
        .filter((v) => v.over === 'socket')
        .map(async (v) => {
          v.socket = await TestSocket.connect(socketUrl(instance(v)), { cookie: v.client.cookie })
          await v.socket.next((m) => m.type === 'hello', 30_000)
        }),
    )

    let ackedByA = 1
    let killed = false
    const killAfterAcks = 40
    const attempt = async (v: Voter): Promise<number | string> => {
      if (v.socket === undefined) return (await v.client.req(instance(v).url, 'POST', votePath, { optionId: v.optionId })).status
      v.socket.send({ type: 'vote', pollId: poll.id, optionId: v.optionId, ref: v.userId })
      try {
        const m = await v.socket.next((x) => (x.type === 'ack' || x.type === 'error') && x.ref === v.userId, 60_000)
        return m.type === 'ack' ? 201 : m.type === 'error' ? m.code : 'unexpected'
      } catch {
        return 'no-answer:socket-closed'
      }
    }
    await Promise.all(
      rest.map(async (v, i) => {
        // Spread over about a second, so the kill lands while votes arrive, wait in batches and commit.
        await new Promise((r) => setTimeout(r, Math.floor(i / 2) * 6))
        try {
          v.first = await attempt(v)
        } catch (err) {
          v.first = noAnswer(err)
        }
        if (v.via === 'A' && v.first === 201) {
          ackedByA += 1
          if (ackedByA === killAfterAcks && !killed) {
            killed = true
            a.kill('SIGKILL')
          }
        }
      }),
    )
    expect(killed).toBe(true)
    expect(await a.exited).toBeNull()

    // Whoever got no answer (or a 5xx) retries on B over REST, as the client does when its socket drops.
    const unanswered = voters.filter((v) => (typeof v.first === 'string' && v.first.startsWith('no-answer:')) || (typeof v.first === 'number' && v.first >= 500))
    for (const v of unanswered) v.retry = (await v.client.req(b.url, 'POST', votePath, { optionId: v.optionId })).status

    // The kill hit votes in flight: some had been sent to A and never answered.
    const lostInFlight = unanswered.filter((v) => v.via === 'A' && v.first !== 'no-answer:ECONNREFUSED')
    expect(lostInFlight.length).toBeGreaterThan(0)
    expect(voters.filter((v) => v.via === 'B').every((v) => v.first === 201)).toBe(true)
    expect(unanswered.every((v) => v.retry === 201 || v.retry === 409)).toBe(true)
    // Each account votes once: an answered first attempt can only be a 201 (REST) or an ack (socket).
    expect(voters.filter((v) => !unanswered.includes(v)).map((v) => v.first).filter((x) => x !== 201)).toEqual([])

    // Close through B; after the grace B's sweep reads the final counts from the database.
    expect((await host.req(b.url, 'POST', `/api/events/${eventId}/polls/${poll.id}/close`)).status).toBe(200)
    let final: Poll | undefined
    for (let i = 0; i < 100 && final === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100))
      const got = (await new Client().req(b.url, 'GET', `/api/events/${eventId}/polls/${poll.id}`)).body as unknown as Poll
      if (got.final) final = got
    }
    expect(final).toBeDefined()
    // B's subscriber got the final counts too (published at finalize, repeated by the ticks).
    const finalMsg = await watcher.next<Extract<ServerMessage, { type: 'poll' }>>(isPoll((p) => p.final), 15_000)
    expect(finalMsg.poll).toEqual(final)

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
    await Promise.all([watcher, ...voters.filter((v) => v.via === 'B').flatMap((v) => (v.socket === undefined ? [] : [v.socket]))].map((x) => x.close()))
    console.info(`kill test: ${String(ackedByA)} acked by A before the kill, ${String(lostInFlight.length)} in flight lost (${String(lostInFlight.filter((v) => v.over === 'socket').length)} on sockets), ${String(unanswered.length - lostInFlight.length)} refused connection, ${String(storedUnanswered.length)} stored but unanswered (409 on retry)`)
  }, 120_000)
})
