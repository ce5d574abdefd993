import { describe, expect, it } from 'vitest'
import { directionOf, pickNext } from './tv-nav.ts'

const box = (x: number, y: number) => ({ x, y, width: 10, height: 10 })

describe('pickNext', () => {
  const grid = [box(0, 0), box(20, 0), box(40, 0), box(0, 20), box(20, 20)]
  it.each([
    ['right', box(0, 0), 1],
    ['left', box(40, 0), 1],
    ['down', box(20, 0), 4],
    ['up', box(0, 20), 0],
    ['left', box(0, 20), -1],
  ] as const)('%s from %j', (dir, from, want) => {
    const candidates = grid.filter((b) => b.x !== from.x || b.y !== from.y)
    const idx = pickNext(from, candidates, dir)
    expect(idx === -1 ? -1 : grid.indexOf(candidates[idx] as (typeof grid)[number])).toBe(want)
  })

  it('maps keys', () => {
    expect(directionOf('ArrowUp')).toBe('up')
    expect(directionOf('Enter')).toBeNull()
  })
})
