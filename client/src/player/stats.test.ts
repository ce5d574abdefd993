import { describe, expect, it } from 'vitest'
import { QoeAccumulator } from './stats.ts'

const live = { latencySec: 2.5, level: 1, peers: 3, angle: 'wide' }

describe('QoeAccumulator', () => {
  it('counts bytes by source and ignores junk', () => {
    const q = new QoeAccumulator()
    q.addBytes('http', 100)
    q.addBytes('p2p', 300)
    q.addBytes('upload', 50)
    q.addBytes('http', -5)
    q.addBytes('p2p', Number.NaN)
    const s = q.snapshot(0, live)
    expect(s).toMatchObject({ httpBytes: 100, p2pBytes: 300, p2pUploadedBytes: 50, latencySec: 2.5, level: 1, peers: 3, angle: 'wide' })
    expect(q.p2pShare()).toBe(0.75)
  })

  it('share is 0 before any bytes', () => {
    expect(new QoeAccumulator().p2pShare()).toBe(0)
  })

  it('startup buffering and seeks are not stalls; later waits are', () => {
    const q = new QoeAccumulator()
    q.waiting(0, false)
    q.playing(1000)
    q.waiting(2000, true)
    q.playing(2100)
    expect(q.snapshot(3000, live).stalls).toBe(0)
    q.waiting(5000, false)
    q.waiting(5200, false)
    expect(q.snapshot(5500, live)).toMatchObject({ stalls: 1, stallSec: 0.5 })
    q.playing(6000)
    expect(q.snapshot(9000, live)).toMatchObject({ stalls: 1, stallSec: 1 })
  })

  it('restart closes an open stall and makes the next start free', () => {
    const q = new QoeAccumulator()
    q.playing(0)
    q.waiting(1000, false)
    q.restart(1500)
    q.waiting(1600, false)
    q.playing(2600)
    expect(q.snapshot(3000, live)).toMatchObject({ stalls: 1, stallSec: 0.5 })
  })
})
