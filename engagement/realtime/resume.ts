// Pure core of resuming: the history window decides between a replay and gap + snapshot; a ring keeps the newest items in memory.
import type { Sequenced } from './ordering.ts'

/** What a `resume` with `afterSeq` gets. */
export type ResumePlan =
  /** Nothing newer: go live. */
  | { kind: 'live' }
  /** Replay every item in `(afterSeq, lastSeq]`, then go live. */
  | { kind: 'replay'; afterSeq: number; lastSeq: number }
  /** `afterSeq` is older than the window (or not from this feed): `gap`, a snapshot, then live. */
  | { kind: 'gap'; oldestSeq: number }

/** Oldest seq a client can resume to: the window holds the newest `historyItems` seqs. */
export function oldestResumable(lastSeq: number, historyItems: number): number {
  return Math.max(1, lastSeq - historyItems + 1)
}

/**
 * The window rule. A client that saw up to `afterSeq` can be replayed when every seq after it is
 * still in the window (`afterSeq + 1 >= oldest`). An `afterSeq` beyond the feed's newest seq never
 * came from this feed (a reset database, a forged frame): it gets a gap too, never silence.
 */
export function planResume(afterSeq: number, lastSeq: number, historyItems: number): ResumePlan {
  if (afterSeq === lastSeq) return { kind: 'live' }
  const oldestSeq = oldestResumable(lastSeq, historyItems)
  if (afterSeq > lastSeq || afterSeq + 1 < oldestSeq) return { kind: 'gap', oldestSeq }
  return { kind: 'replay', afterSeq, lastSeq }
}

/** The newest items of one event, consecutive by seq, at most `capacity`. */
export class Ring<T extends Sequenced> {
  private readonly items: T[] = []

  constructor(private readonly capacity: number) {}

  /** Appends an item; it must be the next seq (else the ring restarts from it). */
  push(item: T): void {
    if (this.capacity <= 0) return
    const last = this.items[this.items.length - 1]
    if (last !== undefined && item.seq !== last.seq + 1) this.items.length = 0
    this.items.push(item)
    if (this.items.length > this.capacity) this.items.shift()
  }

  /** Items in `(after, upto]` when the ring holds all of them, else null (read the feed table). */
  range(after: number, upto: number): T[] | null {
    if (upto <= after) return []
    const first = this.items[0]
    const last = this.items[this.items.length - 1]
    if (first === undefined || last === undefined || first.seq > after + 1 || last.seq < upto) return null
    return this.items.slice(after + 1 - first.seq, upto + 1 - first.seq)
  }

  get size(): number {
    return this.items.length
  }
}
