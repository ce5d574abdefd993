import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Waiter, WaiterRegistry } from './waiters.ts'

const w = (key: string, deadlineMs: number): Waiter => ({ key, deadlineMs, done: false })

describe('WaiterRegistry', () => {
  it('groups waiters per key and forgets removed ones', () => {
    const reg = new WaiterRegistry<Waiter>(100, 0)
    const a = w('x', 500)
    const b = w('x', 500)
    const c = w('y', 500)
    for (const x of [a, b, c]) reg.add(x)
    expect(reg.waitersOf('x')).toEqual([a, b])
    reg.remove(a)
    reg.remove(a)
    expect(reg.waitersOf('x')).toEqual([b])
    expect(reg.size).toBe(2)
    expect(reg.drain()).toHaveLength(2)
    expect(reg.size).toBe(0)
  })

  it('never expires a waiter before its deadline, and expires every one eventually (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 50 }), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 40 }), (deadlines, steps) => {
        const slot = 50
        const reg = new WaiterRegistry<Waiter>(slot, 0)
        const ws = deadlines.map((d) => w('k', d))
        for (const x of ws) reg.add(x)
        let now = 0
        const expiredAt = new Map<Waiter, number>()
        for (const step of [...steps, 20_000]) {
          now += step
          for (const x of reg.sweep(now)) expiredAt.set(x, now)
        }
        for (const x of ws) {
          const at = expiredAt.get(x)
          expect(at).toBeDefined()
          expect(at ?? 0).toBeGreaterThanOrEqual(x.deadlineMs)
        }
        expect(reg.size).toBe(0)
      }),
    )
  })

  it('ignores removal of a waiter it never held', () => {
    const reg = new WaiterRegistry<Waiter>(10, 0)
    reg.add(w('k', 20))
    reg.remove(w('k', 20))
    reg.remove(w('other', 20))
    expect(reg.size).toBe(1)
  })

  it('does not return removed waiters from a sweep', () => {
    const reg = new WaiterRegistry<Waiter>(10, 0)
    const a = w('k', 20)
    reg.add(a)
    reg.remove(a)
    expect(reg.sweep(1000)).toEqual([])
  })
})
