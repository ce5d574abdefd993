import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { SwarmCore, type CoreConfig, type Outgoing } from './swarm-core.ts'
import type { AnnounceEvent, ClientMessage, RawId } from '../protocol/messages.ts'
import { rawId } from '../protocol/encode.ts'

const CONFIG: CoreConfig = { intervalSec: 30, maxOffers: 5, cellMaxPeers: 4, maxPeersPerConnection: 8, peerTtlSec: 60 }
const id = (s: string): string => s.padEnd(20, '.').slice(0, 20)
const offerBytes = new TextEncoder().encode('{"type":"offer","sdp":"x"}')
const answerBytes = new TextEncoder().encode('{"type":"answer","sdp":"y"}')
/** An offer_id as the raw JSON token the core passes through untouched. */
const oid = (s: string): RawId => rawId(id(s))

function announce(infoHash: string, peerId: string, offers: number, event?: AnnounceEvent, numwant?: number): ClientMessage {
  return {
    kind: 'announce',
    infoHash: id(infoHash),
    peerId: id(peerId),
    event,
    numwant,
    offers: Array.from({ length: offers }, (_, i) => ({ offerId: oid(`${peerId}-o${i}`), offer: offerBytes })),
  }
}

let seed = 1
const rng = (): number => {
  seed = (seed * 48271) % 2147483647
  return seed / 2147483647
}

describe('SwarmCore', () => {
  it('join replies with the cell size and forwards offers to other peers only', () => {
    const core = new SwarmCore(CONFIG)
    core.open(1, '', 'a')
    core.open(2, '', 'a')
    expect(core.handle(1, announce('ih', 'p1', 5, 'started'), 0, rng)).toEqual([{ to: 1, type: 'reply', infoHash: id('ih'), complete: 0, incomplete: 1 }])
    const out = core.handle(2, announce('ih', 'p2', 5, 'started'), 0, rng)
    expect(out[0]).toEqual({ to: 2, type: 'reply', infoHash: id('ih'), complete: 0, incomplete: 2 })
    expect(out.slice(1)).toEqual([{ to: 1, type: 'offer', infoHash: id('ih'), fromPeerId: id('p2'), offerId: oid('p2-o0'), offer: offerBytes }])
  })

  it('an unknown peer without event joins; an answer is relayed once, late answers are ignored', () => {
    const core = new SwarmCore(CONFIG)
    core.open(1, '', 'a')
    core.open(2, '', 'a')
    core.handle(1, announce('ih', 'p1', 0), 0, rng)
    core.handle(2, announce('ih', 'p2', 1), 0, rng)
    expect(core.stats().peers).toBe(2)
    const ans: ClientMessage = { kind: 'answer', infoHash: id('ih'), peerId: id('p1'), toPeerId: id('p2'), offerId: oid('p2-o0'), answer: answerBytes }
    expect(core.handle(1, ans, 0, rng)).toEqual([{ to: 2, type: 'answer', infoHash: id('ih'), fromPeerId: id('p1'), offerId: oid('p2-o0'), answer: answerBytes }])
    core.close(2)
    expect(core.handle(1, ans, 0, rng)).toEqual([])
    expect(core.handle(1, { ...ans, infoHash: id('other') }, 0, rng)).toEqual([])
  })

  it('scrape counts a swarm; stopped leaves it; namespaces isolate swarms', () => {
    const core = new SwarmCore(CONFIG)
    core.open(1, '', 'a')
    core.open(2, 'evt-2', 'a')
    core.handle(1, announce('ih', 'p1', 0, 'started'), 0, rng)
    core.handle(2, announce('ih', 'p2', 5, 'started'), 0, rng)
    const scrape: ClientMessage = { kind: 'scrape', infoHashes: [id('ih'), id('none')] }
    expect(core.handle(1, scrape, 0, rng)).toEqual([{ to: 1, type: 'scrape', files: [{ infoHash: id('ih'), complete: 0, incomplete: 1 }, { infoHash: id('none'), complete: 0, incomplete: 0 }] }])
    core.handle(1, announce('ih', 'p1', 0, 'stopped'), 0, rng)
    expect(core.stats()).toMatchObject({ peers: 1, swarms: 1 })
  })

  it('one connection carries many swarms and a reconnect takes a peer over', () => {
    const core = new SwarmCore(CONFIG)
    core.open(1, '', 'a')
    core.handle(1, announce('ih1', 'p1', 0), 0, rng)
    core.handle(1, announce('ih2', 'p1', 0), 0, rng)
    expect(core.connPeers(1)).toHaveLength(2)
    core.open(2, '', 'a')
    core.handle(2, announce('ih1', 'p1', 0), 0, rng)
    expect(core.connPeers(1)).toEqual([id('p1')])
    expect(core.connPeers(2)).toEqual([id('p1')])
    core.close(1)
    expect(core.stats()).toMatchObject({ peers: 1, swarms: 1 })
  })

  it('caps memberships per connection with a failure the client reads as a warning', () => {
    const core = new SwarmCore({ ...CONFIG, maxPeersPerConnection: 1 })
    core.open(1, '', 'a')
    core.handle(1, announce('ih1', 'p1', 0), 0, rng)
    expect(core.handle(1, announce('ih2', 'p1', 0), 0, rng)).toEqual([{ to: 1, type: 'failure', infoHash: id('ih2'), reason: 'too many swarms on one connection' }])
  })

  it('splits a swarm into cells and keeps localities together', () => {
    const core = new SwarmCore(CONFIG)
    for (let i = 0; i < 12; i++) {
      core.open(i, '', i < 6 ? 'net-a' : 'net-b')
      core.handle(i, announce('ih', `p${i}`, 0), 0, rng)
    }
    const cells = core.snapshot()[0]?.cells ?? []
    expect(cells.map((c) => c.length)).toEqual([4, 4, 4])
    // Only the cell that straddles the locality boundary mixes them.
    expect(cells.filter((c) => new Set(c.map((p) => p.connId < 6)).size > 1)).toHaveLength(1)
  })
})

type Cmd =
  | { t: 'open'; conn: number; loc: number }
  | { t: 'announce'; conn: number; ih: number; pid: number; offers: number; numwant: number | undefined; event: AnnounceEvent | undefined }
  | { t: 'answer'; conn: number; ih: number; pid: number; to: number }
  | { t: 'close'; conn: number }
  | { t: 'tick'; sec: number }

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ t: fc.constant('open' as const), conn: fc.nat(7), loc: fc.nat(2) }),
  fc.record({
    t: fc.constant('announce' as const),
    conn: fc.nat(7),
    ih: fc.nat(2),
    pid: fc.nat(9),
    offers: fc.nat(8),
    numwant: fc.option(fc.nat(8), { nil: undefined }),
    event: fc.constantFrom(undefined, 'started' as const, 'stopped' as const, 'completed' as const),
  }),
  fc.record({ t: fc.constant('answer' as const), conn: fc.nat(7), ih: fc.nat(2), pid: fc.nat(9), to: fc.nat(9) }),
  fc.record({ t: fc.constant('close' as const), conn: fc.nat(7) }),
  fc.record({ t: fc.constant('tick' as const), sec: fc.integer({ min: 1, max: 50 }) }),
)

describe('SwarmCore properties (fast-check)', () => {
  it('never forwards to the sender, bounds offers, keeps cells small, leaves nothing behind', () => {
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 120 }), fc.integer({ min: 1, max: 5 }), (cmds, cellMaxPeers) => {
        const cfg = { ...CONFIG, cellMaxPeers, maxOffers: 3 }
        const core = new SwarmCore(cfg)
        const open = new Set<number>()
        let now = 0
        for (const c of cmds) {
          if (c.t === 'open') {
            if (open.has(c.conn)) continue
            core.open(c.conn, '', `l${c.loc}`)
            open.add(c.conn)
          } else if (c.t === 'close') {
            core.close(c.conn)
            open.delete(c.conn)
            expect(core.snapshot().flatMap((s) => s.cells.flat()).some((p) => p.connId === c.conn)).toBe(false)
          } else if (c.t === 'tick') {
            now += c.sec * 1000
            core.sweep(now)
            const limit = Math.floor(now / 1000) - cfg.peerTtlSec
            expect(core.snapshot().flatMap((s) => s.cells.flat()).every((p) => p.seenSec >= limit)).toBe(true)
          } else {
            const msg: ClientMessage =
              c.t === 'announce'
                ? announce(`ih${c.ih}`, `p${c.pid}`, c.offers, c.event, c.numwant)
                : { kind: 'answer', infoHash: id(`ih${c.ih}`), peerId: id(`p${c.pid}`), toPeerId: id(`p${c.to}`), offerId: oid('o'), answer: answerBytes }
            const before = core.snapshot().find((s) => s.key === id(`ih${c.ih}`))
            const out: Outgoing[] = core.handle(c.conn, msg, now, rng)
            if (!open.has(c.conn)) expect(out).toEqual([])
            const relayed = out.filter((o) => o.type === 'offer' || o.type === 'answer')
            expect(relayed.every((o) => o.to !== c.conn)).toBe(true)
            if (c.t === 'announce') {
              const offers = out.filter((o) => o.type === 'offer')
              expect(offers.length).toBeLessThanOrEqual(Math.min(c.numwant ?? c.offers, c.offers, cfg.maxOffers))
              expect(new Set(offers.map((o) => o.to)).size).toBe(offers.length)
              const cellSize = Math.max(0, ...(before?.cells.map((x) => x.length) ?? [0]))
              expect(offers.length).toBeLessThanOrEqual(Math.max(0, Math.min(cellSize, cfg.cellMaxPeers - 1)))
            }
          }
          const snap = core.snapshot()
          expect(snap.every((s) => s.cells.every((cell) => cell.length > 0 && cell.length <= cellMaxPeers))).toBe(true)
          expect(snap.flatMap((s) => s.cells.flat()).every((p) => open.has(p.connId))).toBe(true)
          expect(core.stats().peers).toBe(snap.reduce((n, s) => n + s.cells.flat().length, 0))
        }
        for (const c of open) core.close(c)
        expect(core.stats()).toMatchObject({ peers: 0, swarms: 0, cells: 0, connections: 0 })
      }),
      { numRuns: 300 },
    )
  })
})
