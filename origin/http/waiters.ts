/**
 * Held requests, grouped per key (one rendition's playlist or hinted part) so a new part wakes all of
 * its waiters in one pass, with deadlines kept in a timer wheel that ONE shared sweep drains — no timer
 * per request. Pure data structure: the adapter passes `nowMs` and owns the single interval.
 */

/** A held request; `done` is set once it was answered, aborted or expired. */
export interface Waiter {
  key: string
  deadlineMs: number
  done: boolean
}

/** Waiter lists plus a coarse timer wheel. */
export class WaiterRegistry<W extends Waiter> {
  private readonly byKey = new Map<string, Set<W>>()
  private readonly wheel = new Map<number, W[]>()
  private lastSweptSlot: number
  private held = 0

  constructor(
    /** Width of one wheel slot: deadlines are honoured to within this many milliseconds. */
    readonly slotMs: number,
    nowMs: number,
  ) {
    this.lastSweptSlot = Math.floor(nowMs / slotMs) - 1
  }

  /** Requests currently held. */
  get size(): number {
    return this.held
  }

  /** Holds `w` until {@link take}, {@link remove} or {@link sweep}. */
  add(w: W): void {
    let set = this.byKey.get(w.key)
    if (set === undefined) this.byKey.set(w.key, (set = new Set()))
    set.add(w)
    // A deadline already in a swept slot goes to the next slot to be swept.
    const slot = Math.max(Math.ceil(w.deadlineMs / this.slotMs), this.lastSweptSlot + 1)
    const bucket = this.wheel.get(slot)
    if (bucket === undefined) this.wheel.set(slot, [w])
    else bucket.push(w)
    this.held++
  }

  /** Drops an answered or aborted waiter (its wheel entry is skipped lazily). */
  remove(w: W): void {
    if (w.done) return
    const set = this.byKey.get(w.key)
    // Not held (answered at once, or never added): nothing to forget.
    if (set === undefined || !set.delete(w)) return
    w.done = true
    this.held--
    if (set.size === 0) this.byKey.delete(w.key)
  }

  /** All live waiters of a key, for one wake pass; answer or keep each. */
  waitersOf(key: string): W[] {
    const set = this.byKey.get(key)
    return set === undefined ? [] : [...set]
  }

  /** Removes and returns every waiter whose deadline has passed. */
  sweep(nowMs: number): W[] {
    const expired: W[] = []
    const upTo = Math.floor(nowMs / this.slotMs)
    for (let slot = this.lastSweptSlot + 1; slot <= upTo; slot++) {
      const bucket = this.wheel.get(slot)
      if (bucket === undefined) continue
      this.wheel.delete(slot)
      for (const w of bucket) {
        if (w.done) continue
        this.remove(w)
        expired.push(w)
      }
    }
    this.lastSweptSlot = Math.max(this.lastSweptSlot, upTo)
    return expired
  }

  /** Removes and returns every waiter (shutdown). */
  drain(): W[] {
    const all: W[] = []
    for (const set of this.byKey.values()) all.push(...set)
    for (const w of all) this.remove(w)
    this.wheel.clear()
    return all
  }
}
