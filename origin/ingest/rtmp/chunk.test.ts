import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ChunkReader, ChunkWriter, DEFAULT_CHUNK_LIMITS, maxBufferedBytes, type ChunkLimits, type RtmpMessage } from './chunk.ts'

const message = fc.record({
  csid: fc.constantFrom(3, 4, 63, 64, 319, 320, 1000),
  type: fc.constantFrom(8, 9, 18, 20),
  streamId: fc.constantFrom(0, 1),
  timestamp: fc.constant(0),
  payload: fc.uint8Array({ maxLength: 700 }),
})

/** Messages with non-decreasing timestamps per chunk stream (incl. extended ones). */
const messages = fc
  .array(fc.tuple(message, fc.constantFrom(0, 1, 33, 0xfffffe, 0xffffff, 0x1000000)), { minLength: 1, maxLength: 12 })
  .map((xs) => {
    const clock = new Map<number, number>()
    return xs.map(([m, step]) => {
      const t = ((clock.get(m.csid) ?? 0) + step) % 0xffffffff
      clock.set(m.csid, t)
      return { ...m, timestamp: t }
    })
  })

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const pts = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let prev = 0
  for (const p of [...pts, bytes.length]) {
    out.push(bytes.subarray(prev, p))
    prev = p
  }
  return out
}

describe('RTMP chunk stream', () => {
  it('reassembles what the writer split, at any chunk size and any read boundaries', () => {
    fc.assert(
      fc.property(messages, fc.integer({ min: 1, max: 600 }), fc.array(fc.nat(), { maxLength: 8 }), (msgs, chunkSize, cuts) => {
        const w = new ChunkWriter()
        const r = new ChunkReader()
        // Announce the chunk size in-band, as a peer would.
        const setSize = w.write({ csid: 2, type: 1, streamId: 0, timestamp: 0, payload: Uint8Array.from([0, 0, chunkSize >> 8, chunkSize & 255]) })
        w.chunkSize = chunkSize
        const bytes = Buffer.concat([setSize, ...msgs.map((m) => w.write(m))])
        const got: RtmpMessage[] = []
        for (const piece of splitAt(bytes, cuts)) {
          const res = r.push(piece)
          expect(res.error).toBeUndefined()
          got.push(...res.messages)
        }
        expect(got.slice(1).map((m) => ({ ...m, payload: Buffer.from(m.payload).toString('hex') }))).toEqual(
          msgs.map((m) => ({ ...m, payload: Buffer.from(m.payload).toString('hex') })),
        )
      }),
    )
  })

  it.each<[string, number[], string]>([
    ['type-1 header with no previous header', [0x43, 0, 0, 0, 0, 0, 1, 20], 'NO_PREVIOUS_HEADER'],
    ['message over the size limit', [0x03, 0, 0, 0, 0xff, 0xff, 0xff, 9, 0, 0, 0, 0], 'MESSAGE_TOO_LARGE'],
    ['chunk size 0', [0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0], 'BAD_CHUNK_SIZE'],
  ])('refuses %s', (_name, bytes, code) => {
    const r = new ChunkReader({ ...DEFAULT_CHUNK_LIMITS, maxMessageBytes: 1 << 20 })
    expect(r.push(Uint8Array.from(bytes)).error).toBe(code)
  })

  const LIMITS: ChunkLimits = { maxMessageBytes: 4096, maxChunkSize: 4096, maxChunkStreams: 8 }

  it('survives random garbage without throwing and never buffers more than the bound', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 20 }), (pieces) => {
        const r = new ChunkReader(LIMITS)
        for (const p of pieces) {
          r.push(p)
          expect(r.bufferedBytes).toBeLessThanOrEqual(maxBufferedBytes(LIMITS))
        }
      }),
    )
  })

  /** Round-robin chunks (128 bytes) of one `length`-byte message on each of `streams` chunk streams. */
  function interleaved(streams: number, length: number): Uint8Array[] {
    const out: Uint8Array[] = []
    for (let off = 0; off < length; off += 128) {
      for (let c = 3; c < 3 + streams; c++) {
        const header = off === 0 ? [c, 0, 0, 0, length >> 16, (length >> 8) & 255, length & 255, 9, 1, 0, 0, 0] : [0xc0 | c]
        out.push(Uint8Array.from([...header, ...new Uint8Array(Math.min(128, length - off)).fill(c)]))
      }
    }
    return out
  }

  it('bounds incomplete messages interleaved over many chunk streams, refusing the excess with BUFFER_LIMIT', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 4096 }), (streams, length) => {
        const r = new ChunkReader(LIMITS)
        const got: RtmpMessage[] = []
        let error: string | undefined
        for (const chunk of interleaved(streams, length)) {
          const res = r.push(chunk)
          got.push(...res.messages)
          error ??= res.error
          expect(r.bufferedBytes).toBeLessThanOrEqual(LIMITS.maxMessageBytes + LIMITS.maxChunkSize)
        }
        if (streams * length <= LIMITS.maxMessageBytes) expect(error).toBeUndefined()
        if (error === undefined) expect(got.map((m) => m.payload.length)).toEqual(new Array<number>(streams).fill(length))
        else expect(error).toBe('BUFFER_LIMIT')
        // Round robin keeps every stream's message open until its last chunk.
        if (streams * (length - Math.min(128, length)) > LIMITS.maxMessageBytes) expect(error).toBe('BUFFER_LIMIT')
      }),
    )
  })

  it('accepts a message of exactly maxMessageBytes and refuses one byte more with MESSAGE_TOO_LARGE', () => {
    const w = new ChunkWriter()
    const ok = new ChunkReader(LIMITS).push(w.write({ csid: 3, type: 9, streamId: 1, timestamp: 0, payload: new Uint8Array(4096) }))
    expect(ok.error).toBeUndefined()
    expect(ok.messages.map((m) => m.payload.length)).toEqual([4096])
    const r = new ChunkReader(LIMITS)
    const over = r.push(new ChunkWriter().write({ csid: 3, type: 9, streamId: 1, timestamp: 0, payload: new Uint8Array(4097) }))
    expect(over).toEqual({ messages: [], error: 'MESSAGE_TOO_LARGE' })
    expect(r.bufferedBytes).toBe(0)
  })
})
