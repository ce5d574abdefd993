import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { Poll } from '../../../common/wire/interaction.ts'
import type { ServerMessage } from '../../../common/wire/realtime.ts'
import { gatewayFixture, type GatewayFixture } from '../../realtime/test-gateway.ts'
import { TestSocket } from '../../realtime/test-client.ts'
import { organizer, signedIn, type Agent } from '../../test-support.ts'
import { registerPollsGateway } from './polls-gateway.ts'
import { pollService } from './poll-service.ts'

const backend = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '' ? 'postgres+redis' : 'embedded'
const GRACE = 2000

type PollMsg = Extract<ServerMessage, { type: 'poll' }>
const pollOf =
  (id: string, pred: (p: Poll) => boolean = () => true) =>
  (m: ServerMessage): boolean =>
    m.type === 'poll' && m.poll.id === id && pred(m.poll)

describe.each(['uws', 'ws'] as const)(`polls on the gateway, %s (${backend})`, (transport) => {
  let f: GatewayFixture
  let host: Awaited<ReturnType<typeof organizer>>
  beforeAll(async () => {
    f = await gatewayFixture(transport, [registerPollsGateway], { pollVoteGraceMs: GRACE })
    host = await organizer(f.t)
  })
  afterAll(async () => f.close())

  async function openPoll(options = ['Red', 'Green']): Promise<Poll> {
    const base = `/api/events/${host.eventId}/polls`
    const created = await host.a.req('POST', base, { question: 'Which?', options })
    const opened = await host.a.req('POST', `${base}/${created.body.id as string}/open`)
    expect(opened.status).toBe(200)
    return opened.body as unknown as Poll
  }

  async function socketOf(a: Agent | null, gw = f.gw): Promise<TestSocket> {
    const s = await TestSocket.connect(f.url(host.eventId, undefined, gw), a === null ? {} : { cookie: a.cookie })
    await s.next((m) => m.type === 'hello')
    void s.closed.then((c) => {
      if (c.code !== 1000 && c.code !== 1005) console.warn(`${transport}: socket closed by the gateway: ${String(c.code)} ${c.reason}`)
    })
    return s
  }

  it('a socket vote is acked with its ref once stored; refusals come as error frames with the same ref', async () => {
    const poll = await openPoll()
    const voter = await signedIn(f.t)
    const s = await socketOf(voter)
    s.send({ type: 'vote', pollId: poll.id, optionId: 'o2', ref: 'r1' })
    expect(await s.next((m) => 'ref' in m && m.ref === 'r1')).toEqual({ type: 'ack', ref: 'r1' })
    const rows = await f.t.ctx.db.query<{ option_id: string }>('SELECT option_id FROM poll_votes WHERE poll_id = $1', [poll.id])
    expect(rows.map((r) => r.option_id)).toEqual(['o2'])
    const cases: [Record<string, string>, string][] = [
      [{ pollId: poll.id, optionId: 'o1' }, 'ALREADY_VOTED'],
      [{ pollId: poll.id, optionId: 'o7' }, 'UNKNOWN_OPTION'],
      [{ pollId: 'nonexistent-poll', optionId: 'o1' }, 'POLL_NOT_FOUND'],
    ]
    for (const [i, [frame, code]] of cases.entries()) {
      const ref = `e${String(i)}`
      s.send({ type: 'vote', ...frame, ref })
      expect(await s.next((m) => 'ref' in m && m.ref === ref)).toMatchObject({ type: 'error', code, ref })
    }
    // The connection is still fine afterwards.
    s.send({ type: 'ping' })
    await s.next((m) => m.type === 'pong')
    await s.close()
  })

  it('guests and banned accounts cannot vote over the socket', async () => {
    const poll = await openPoll()
    const guest = await socketOf(null)
    guest.send({ type: 'vote', pollId: poll.id, optionId: 'o1', ref: 'g' })
    expect(await guest.next((m) => m.type === 'error')).toMatchObject({ code: 'UNAUTHENTICATED', ref: 'g' })
    const banned = await signedIn(f.t)
    const me = await banned.req('GET', '/api/auth/me')
    expect((await host.a.req('POST', `/api/events/${host.eventId}/chat/bans`, { userId: (me.body.user as { id: string }).id })).status).toBe(200)
    const s = await socketOf(banned)
    s.send({ type: 'vote', pollId: poll.id, optionId: 'o1', ref: 'b' })
    expect(await s.next((m) => m.type === 'error')).toMatchObject({ code: 'BANNED', ref: 'b' })
    expect(await f.t.ctx.db.query('SELECT 1 FROM poll_votes WHERE poll_id = $1', [poll.id])).toHaveLength(0)
    await guest.close()
    await s.close()
  })

  it('a vote through instance A shows up for a subscriber on instance B, in a tick snapshot, not a message per vote', async () => {
    const poll = await openPoll(['a', 'b', 'c'])
    const b = await f.second([registerPollsGateway])
    const watcher = await socketOf(null, b.gw)
    const voters = await Promise.all(Array.from({ length: 12 }, () => signedIn(f.t)))
    const started = Date.now()
    // Through instance A: REST for half of them, A's socket for the rest.
    const sockets = await Promise.all(voters.slice(6).map((v) => socketOf(v)))
    await Promise.all([
      ...voters.slice(0, 6).map(async (v, i) => expect((await v.req('POST', `/api/events/${host.eventId}/polls/${poll.id}/votes`, { optionId: i < 4 ? 'o1' : 'o2' })).status).toBe(201)),
      ...sockets.map(async (s, i) => {
        s.send({ type: 'vote', pollId: poll.id, optionId: i < 2 ? 'o2' : 'o3', ref: `v${String(i)}` })
        expect(await s.next((m) => m.type === 'ack' || m.type === 'error')).toEqual({ type: 'ack', ref: `v${String(i)}` })
      }),
    ])
    const seen = await watcher.next<PollMsg>(pollOf(poll.id, (p) => p.totalVotes === 12), 5000)
    expect(seen.poll.options.map((o) => o.votes)).toEqual([4, 4, 4])
    // Fan-out follows the tick (100 ms here), not the 12 votes.
    const elapsedTicks = (Date.now() - started) / f.t.ctx.config.gatewayTickMs
    expect(watcher.got.filter(pollOf(poll.id)).length).toBeLessThanOrEqual(Math.ceil(elapsedTicks) + 2)
    await Promise.all([watcher.close(), ...sockets.map((s) => s.close())])
  })

  it('open and close reach subscribers at once; after the grace they get the final counts from the database', async () => {
    const watcher = await socketOf(null)
    const poll = await openPoll()
    await watcher.next(pollOf(poll.id, (p) => p.status === 'open'))
    const voter = await signedIn(f.t)
    expect((await voter.req('POST', `/api/events/${host.eventId}/polls/${poll.id}/votes`, { optionId: 'o1' })).status).toBe(201)
    await host.a.req('POST', `/api/events/${host.eventId}/polls/${poll.id}/close`)
    const closed = await watcher.next<PollMsg>(pollOf(poll.id, (p) => p.status === 'closed' && !p.final))
    expect(closed.poll.closedAt).not.toBeNull()
    f.t.clock.advance(GRACE)
    await pollService(f.t.ctx).sweep()
    const final = await watcher.next<PollMsg>(pollOf(poll.id, (p) => p.final))
    expect(final.poll).toMatchObject({ status: 'closed', final: true, totalVotes: 1 })
    await watcher.close()
  })

  it('snapshots carry the polls, drafts only for moderators', async () => {
    const live = await openPoll()
    const draft = (await host.a.req('POST', `/api/events/${host.eventId}/polls`, { question: 'Later', options: ['x', 'y'] })).body as unknown as Poll
    // More items than the history window (10 here), so resuming from 0 is a gap followed by a snapshot.
    await f.append(host.eventId, 12)
    const guest = await socketOf(null)
    const mod = await socketOf(host.a)
    for (const s of [guest, mod]) s.send({ type: 'resume', afterSeq: 0 })
    const [g, m] = await Promise.all([guest.next((x) => x.type === 'snapshot'), mod.next((x) => x.type === 'snapshot')])
    const ids = (x: ServerMessage): string[] => (x.type === 'snapshot' ? x.polls.map((p) => p.id) : [])
    expect(ids(g)).toContain(live.id)
    expect(ids(g)).not.toContain(draft.id)
    expect(ids(m)).toContain(draft.id)
    await Promise.all([guest.close(), mod.close()])
  })
})
