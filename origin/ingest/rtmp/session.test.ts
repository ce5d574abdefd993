import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decodeAmf0, encodeAmf0, type AmfValue } from './amf0.ts'
import { ChunkReader, ChunkWriter } from './chunk.ts'
import { RtmpSession, type RtmpAction } from './session.ts'

const zeros = (n: number): Uint8Array => new Uint8Array(n)

/** A scripted publisher: handshake, then AMF0 commands through our own chunk writer. */
class Client {
  readonly session = new RtmpSession({ random: zeros })
  private readonly w = new ChunkWriter()
  private readonly r = new ChunkReader()
  readonly actions: RtmpAction[] = []

  handshake(): void {
    const c1 = new Uint8Array(1536).fill(7)
    this.feed(Uint8Array.from([3, ...c1]))
    this.feed(new Uint8Array(1536))
  }
  feed(bytes: Uint8Array): RtmpAction[] {
    const a = this.session.receive(bytes)
    this.actions.push(...a)
    return a
  }
  command(streamId: number, ...values: AmfValue[]): RtmpAction[] {
    return this.feed(this.w.write({ csid: 3, type: 20, streamId, timestamp: 0, payload: encodeAmf0(...values) }))
  }
  media(type: number, timestamp: number, payload: number[]): RtmpAction[] {
    return this.feed(this.w.write({ csid: 4, type, streamId: 1, timestamp, payload: Uint8Array.from(payload) }))
  }
  /** Commands the server sent, decoded. */
  replies(): AmfValue[][] {
    const out: AmfValue[][] = []
    const sent = this.actions.filter((a) => a.kind === 'send')
    // Skip S0+S1+S2 (3073 bytes) and read the chunk stream behind them.
    const bytes = Buffer.concat(sent.map((a) => (a.kind === 'send' ? a.bytes : new Uint8Array()))).subarray(3073)
    const res = new ChunkReader().push(bytes)
    for (const m of res.messages) if (m.type === 20) out.push((decodeAmf0(m.payload) as { ok: true; values: AmfValue[] }).values)
    return out
  }
  connect(app = 'live'): void {
    this.handshake()
    this.command(0, 'connect', 1, { app, type: 'nonprivate', tcUrl: `rtmp://h/${app}` })
  }
  publish(key: string): RtmpAction[] {
    this.command(0, 'releaseStream', 2, null, key)
    this.command(0, 'FCPublish', 3, null, key)
    this.command(0, 'createStream', 4, null)
    return this.command(1, 'publish', 5, null, key, 'live')
  }
}

describe('RtmpSession', () => {
  it('answers the simple handshake with S0, a zero-version S1 and S2 echoing C1', () => {
    const c = new Client()
    const a = c.feed(Uint8Array.from([3, ...new Uint8Array(1536).fill(9)]))
    expect(a).toHaveLength(1)
    const s = a[0]?.kind === 'send' ? a[0].bytes : new Uint8Array()
    expect(s.length).toBe(3073)
    expect(s[0]).toBe(3)
    expect([...s.subarray(5, 9)]).toEqual([0, 0, 0, 0])
    expect(s.subarray(1537).every((b) => b === 9)).toBe(true)
  })

  it('closes on a bad handshake version', () => {
    const c = new Client()
    expect(c.feed(Uint8Array.from([6, ...new Uint8Array(1536)]))).toEqual([{ kind: 'close', reason: 'BAD_VERSION' }])
  })

  it('asks to authorize the publish name without any query, and sends no media before the answer', () => {
    const c = new Client()
    c.connect()
    const a = c.publish('secret-key?token=x')
    expect(a).toEqual([{ kind: 'authorize', streamKey: 'secret-key' }])
    expect(c.media(9, 0, [0x17, 0, 0, 0, 0])).toEqual([])
    const replies = c.replies()
    expect(replies[0]?.[0]).toBe('_result')
    expect((replies[0]?.[3] as Record<string, unknown>).code).toBe('NetConnection.Connect.Success')
    expect(replies.find((r) => r[1] === 4)?.[3]).toBe(1)
  })

  it.each([
    ['UNKNOWN_KEY', 'NetStream.Publish.Unauthorized'],
    ['REVOKED_KEY', 'NetStream.Publish.Unauthorized'],
    ['ALREADY_LIVE', 'NetStream.Publish.BadName'],
  ])('refuses %s with %s and closes', (reason, code) => {
    const c = new Client()
    c.connect()
    c.publish('k')
    const a = c.session.authorized(false, reason)
    c.actions.push(...a)
    expect(a[a.length - 1]).toEqual({ kind: 'close', reason: 'REFUSED', detail: reason })
    const status = c.replies().find((r) => r[0] === 'onStatus')
    expect((status?.[3] as Record<string, unknown>).code).toBe(code)
  })

  it('after acceptance remuxes media to FLV, strips @setDataFrame and remembers sequence headers', () => {
    const c = new Client()
    c.connect()
    c.publish('k')
    const a = c.session.authorized(true)
    expect(a.map((x) => x.kind)).toEqual(['send', 'send', 'publish-start', 'flv'])
    const meta = c.feed(new ChunkWriter().write({ csid: 5, type: 18, streamId: 1, timestamp: 0, payload: encodeAmf0('@setDataFrame', 'onMetaData', { width: 2 }) }))
    const tag = meta[0]?.kind === 'flv' ? meta[0].bytes : new Uint8Array()
    expect(tag[0]).toBe(18)
    expect(decodeAmf0(tag.subarray(11, tag.length - 4))).toMatchObject({ ok: true, values: ['onMetaData', { width: 2 }] })
    const video = c.media(9, 40, [0x17, 0, 0, 0, 0, 1])
    expect(video).toMatchObject([{ kind: 'flv', keyframe: true }])
    c.media(8, 40, [0xaf, 0, 0x12, 0x10])
    const header = c.session.replayHeader()
    expect([...header.subarray(0, 3)]).toEqual([0x46, 0x4c, 0x56])
    expect(header.length).toBe(13 + tag.length + (11 + 6 + 4) + (11 + 4 + 4))
  })

  it('refuses an app other than live', () => {
    const c = new Client()
    c.connect('other')
    expect(c.actions[c.actions.length - 1]).toEqual({ kind: 'close', reason: 'BAD_APP' })
  })

  it('limits bytes before a publish is accepted', () => {
    const c = new Client()
    c.connect()
    const a = c.feed(new ChunkWriter().write({ csid: 6, type: 9, streamId: 1, timestamp: 0, payload: new Uint8Array(70_000) }))
    expect(a[a.length - 1]).toEqual({ kind: 'close', reason: 'PRE_PUBLISH_LIMIT' })
  })

  it('never throws on garbage after the handshake', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 500 }), { maxLength: 10 }), (pieces) => {
        const c = new Client()
        c.handshake()
        for (const p of pieces) c.feed(p)
      }),
    )
  })
})
