import { describe, expect, it } from 'vitest'
import { Lifecycle } from './lifecycle.ts'

const main = { event: 'e', angle: 'main' }
const wide = { event: 'e', angle: 'wide' }

describe('Lifecycle', () => {
  it('begins, refuses a second publisher, and resumes after a discontinuity within the grace period', () => {
    const l = new Lifecycle(10_000)
    expect(l.admit(main, 'a')).toEqual({ ok: true, effects: [{ kind: 'begin', target: main }] })
    expect(l.admit(main, 'b')).toEqual({ ok: false, reason: 'ALREADY_LIVE' })
    l.drop(main, 'a', 1000)
    expect(l.nextDeadline()).toBe(11_000)
    expect(l.tick(10_999)).toEqual([])
    expect(l.admit(main, 'b')).toEqual({ ok: true, effects: [{ kind: 'discontinuity', target: main }] })
    expect(l.nextDeadline()).toBeUndefined()
  })

  it('ends the stream when the grace period expires, then a new publish begins afresh', () => {
    const l = new Lifecycle(5000)
    l.admit(main, 'a')
    l.drop(main, 'a', 0)
    expect(l.tick(5000)).toEqual([{ kind: 'end', target: main }])
    expect(l.tick(9000)).toEqual([])
    expect(l.admit(main, 'b')).toEqual({ ok: true, effects: [{ kind: 'begin', target: main }] })
  })

  it('ignores a drop from a publisher that is not the live one', () => {
    const l = new Lifecycle(5000)
    l.admit(main, 'a')
    l.drop(main, 'x', 0)
    expect(l.isLive(main)).toBe(true)
  })

  it('operator end kicks live publishers and ends every angle of the event', () => {
    const l = new Lifecycle(5000)
    l.admit(main, 'a')
    l.admit(wide, 'b')
    l.drop(wide, 'b', 0)
    l.admit({ event: 'other', angle: 'main' }, 'c')
    expect(l.endEvent('e')).toEqual([
      { kind: 'kick', target: main, publisherId: 'a' },
      { kind: 'end', target: main },
      { kind: 'end', target: wide },
    ])
    expect(l.tick(100_000)).toEqual([])
    expect(l.isLive({ event: 'other', angle: 'main' })).toBe(true)
  })

  it('a transcoder restart under the live publisher is a discontinuity', () => {
    const l = new Lifecycle(5000)
    l.admit(main, 'a')
    expect(l.restart(main, 'a')).toEqual([{ kind: 'discontinuity', target: main }])
    expect(l.restart(main, 'z')).toEqual([])
  })
})
