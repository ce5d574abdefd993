import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { BoxSplitter } from './box-splitter.ts'

function box(type: string, payloadLen: number, fill = 0): Uint8Array {
  const b = new Uint8Array(8 + payloadLen).fill(fill)
  new DataView(b.buffer).setUint32(0, b.length)
  b.set(Buffer.from(type, 'latin1'), 4)
  return b
}

const stream = (): Uint8Array[] => [box('ftyp', 8), box('moov', 40), box('moof', 20, 1), box('mdat', 100, 2), box('moof', 20, 3), box('mdat', 50, 4)]

describe('BoxSplitter', () => {
  it('emits ftyp+moov as init, then each moof+mdat, for any read boundaries', () => {
    const whole = Buffer.concat(stream())
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: whole.length }), { maxLength: 10 }), (cuts) => {
        const s = new BoxSplitter()
        const events = []
        let prev = 0
        for (const c of [...cuts.sort((a, b) => a - b), whole.length]) {
          events.push(...s.push(whole.subarray(prev, c)).events)
          prev = c
        }
        expect(events.map((e) => [e.kind, e.bytes.length])).toEqual([
          ['init', 16 + 48],
          ['fragment', 28 + 108],
          ['fragment', 28 + 58],
        ])
        expect(events[1]?.bytes[8]).toBe(1)
      }),
    )
  })

  it.each([
    ['a box smaller than its header', Uint8Array.from([0, 0, 0, 4, 0x66, 0x72, 0x65, 0x65]), 'BAD_BOX_SIZE'],
    ['a box over the limit', Uint8Array.from([0x7f, 0, 0, 0, 0x6d, 0x64, 0x61, 0x74]), 'BOX_TOO_LARGE'],
  ])('refuses %s', (_n, bytes, code) => {
    expect(new BoxSplitter(1 << 20).push(bytes).error).toBe(code)
  })

  it('refuses an mdat without a moof after the init', () => {
    const s = new BoxSplitter()
    s.push(Buffer.concat([box('ftyp', 0), box('moov', 0), box('moof', 0), box('mdat', 0)]))
    expect(s.push(box('mdat', 4)).error).toBe('MDAT_WITHOUT_MOOF')
  })
})
