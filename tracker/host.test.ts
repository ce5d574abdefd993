import { describe, expect, it } from 'vitest'
import { takeToken, TrackerHost, type Sink } from './host.ts'
import { loadTrackerConfig } from './config.ts'
import { createLogger } from '../common/log.ts'
import { encodeClientAnnounce, type Frame } from './protocol/encode.ts'

class FakeSink implements Sink {
  frames: string[] = []
  closedWith: number | undefined
  queued = 0
  sendBatch(frames: Frame[]): number {
    for (const f of frames) this.frames.push(typeof f === 'string' ? f : Buffer.from(f).toString())
    return 0
  }
  buffered(): number {
    return this.queued
  }
  close(code: number): void {
    this.closedWith = code
  }
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const sdp = { type: 'offer' as const, sdp: 'v=0\r\n' }

describe('takeToken', () => {
  it('allows a burst, then refills at the configured rate', () => {
    const b = { tokens: 3, refillMs: 0 }
    expect([takeToken(b, 0, 2, 3), takeToken(b, 0, 2, 3), takeToken(b, 0, 2, 3), takeToken(b, 0, 2, 3)]).toEqual([true, true, true, false])
    expect(takeToken(b, 499, 2, 3)).toBe(false)
    expect(takeToken(b, 500, 2, 3)).toBe(true)
    expect(takeToken(b, 100_000, 2, 3)).toBe(true)
    expect(b.tokens).toBe(2)
  })
})

describe('TrackerHost', () => {
  const make = (over: Record<string, unknown> = {}): { host: TrackerHost; flush: () => void } => {
    let pending: (() => void) | undefined
    const host = new TrackerHost(loadTrackerConfig({ overrides: { allowedOrigins: ['*'], ...over } }), createLogger('t', 'silent'), () => 0, () => 0.5, (f) => (pending = f))
    return { host, flush: () => pending?.() }
  }

  it('batches frames until the flush and drops offers to a slow consumer but not replies', () => {
    const { host, flush } = make({ dropAboveBytes: 1024 })
    const a = new FakeSink()
    const b = new FakeSink()
    const ia = host.open(a, '', 'x')
    const ib = host.open(b, '', 'x')
    host.message(ia, enc(encodeClientAnnounce({ infoHash: 'i'.repeat(20), peerId: 'a'.repeat(20), offers: [] })))
    expect(a.frames).toEqual([])
    flush()
    expect(a.frames).toHaveLength(1)
    a.queued = 4096
    host.message(ib, enc(encodeClientAnnounce({ infoHash: 'i'.repeat(20), peerId: 'b'.repeat(20), offers: [{ offerId: 'o'.repeat(20), offer: sdp }] })))
    flush()
    expect(a.frames).toHaveLength(1)
    expect(b.frames).toHaveLength(1)
    expect(host.counters.dropped).toBe(1)
  })

  it('closes a consumer past the close threshold and forgets its memberships', () => {
    const { host, flush } = make({ closeAboveBytes: 8192 })
    const a = new FakeSink()
    const b = new FakeSink()
    const ia = host.open(a, '', 'x')
    const ib = host.open(b, '', 'x')
    host.message(ia, enc(encodeClientAnnounce({ infoHash: 'i'.repeat(20), peerId: 'a'.repeat(20), offers: [] })))
    flush()
    // The transport's buffer is read when a turn first queues for a socket.
    a.queued = 1 << 20
    host.message(ib, enc(encodeClientAnnounce({ infoHash: 'i'.repeat(20), peerId: 'b'.repeat(20), offers: [{ offerId: 'o'.repeat(20), offer: sdp }] })))
    flush()
    expect(a.closedWith).toBe(1008)
    expect(host.coreStats().peers).toBe(1)
    expect(host.connections).toBe(1)
  })
})
