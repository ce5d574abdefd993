import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { emptyQueue, Outbox, type OutQueue } from './outbox.ts'

const text = (b: Uint8Array): string => Buffer.from(b).toString()

/** Writes `s` as the next frame of `q`; false when the outbox asked for a flush. */
function put(box: Outbox, q: OutQueue, s: string): boolean {
  const bytes = Buffer.from(s)
  if (!box.reserve(bytes.length)) return false
  box.buf.set(bytes, box.at)
  box.push(q, bytes.length)
  return true
}

describe('Outbox', () => {
  it('keeps each queue in order and empties it on take', () => {
    const box = new Outbox(64, 2, 4)
    const a = emptyQueue()
    const b = emptyQueue()
    for (const [q, s] of [[a, 'a1'], [b, 'b1'], [a, 'a2'], [b, 'b2'], [a, 'a3']] as const) expect(put(box, q, s)).toBe(true)
    expect(a.bytes).toBe(6)
    expect(box.take(a).map(text)).toEqual(['a1', 'a2', 'a3'])
    expect(box.take(b).map(text)).toEqual(['b1', 'b2'])
    expect(a).toEqual(emptyQueue())
    expect(box.take(a)).toEqual([])
  })

  it('spills into further blocks, then asks for a flush; reset reuses the blocks', () => {
    const box = new Outbox(16, 1, 2)
    const q = emptyQueue()
    expect(put(box, q, 'x'.repeat(10))).toBe(true)
    expect(put(box, q, 'y'.repeat(10))).toBe(true)
    expect(put(box, q, 'z'.repeat(10))).toBe(false)
    expect(box.take(q).map(text)).toEqual(['x'.repeat(10), 'y'.repeat(10)])
    box.reset(0)
    expect(put(box, q, 'z'.repeat(10))).toBe(true)
    expect(box.take(q).map(text)).toEqual(['z'.repeat(10)])
  })

  it('keeps the blocks busy turns need and releases them after a quiet spell', () => {
    const box = new Outbox(16, 1, 8, 100)
    const q = emptyQueue()
    for (let i = 0; i < 3; i++) expect(put(box, q, 'x'.repeat(10))).toBe(true)
    box.take(q)
    box.reset(0)
    expect(box.allocatedBlocks).toBe(3)
    // Quieter turns within the release delay keep them.
    put(box, q, 'y')
    box.take(q)
    box.reset(50)
    expect(box.allocatedBlocks).toBe(3)
    put(box, q, 'y')
    box.take(q)
    box.reset(100)
    expect(box.allocatedBlocks).toBe(1)
  })

  it('refuses a frame larger than a block', () => {
    expect(() => new Outbox(16, 1, 2).reserve(17)).toThrow(RangeError)
  })

  it('any interleaving of frames over many turns comes back per queue, in order (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(fc.nat(5), fc.string({ minLength: 1, maxLength: 40 })), { maxLength: 3000 }), { maxLength: 4 }),
        (turns) => {
          const box = new Outbox(256, 4, 64)
          const queues = Array.from({ length: 6 }, emptyQueue)
          for (const frames of turns) {
            const want: string[][] = queues.map(() => [])
            const got: string[][] = queues.map(() => [])
            for (const [i, s] of frames) {
              const q = queues[i] as OutQueue
              if (!put(box, q, s)) {
                queues.forEach((qq, k) => got[k]?.push(...box.take(qq).map(text)))
                box.reset(0)
                expect(put(box, q, s)).toBe(true)
              }
              want[i]?.push(s)
            }
            queues.forEach((q, k) => got[k]?.push(...box.take(q).map(text)))
            box.reset(0)
            expect(got).toEqual(want)
          }
        },
      ),
      { numRuns: 60 },
    )
  })
})
