// Pure core of in-order delivery: items arrive from the bus and the feed in any order, with duplicates; each seq leaves once, in order.

/** Anything carrying a per-event sequence number. */
export interface Sequenced {
  seq: number
}

/** Per-event delivery state of one instance. */
export interface OrderState<T extends Sequenced> {
  /** Newest seq delivered; everything up to it has been delivered exactly once. */
  lastSeq: number
  /** Items received ahead of `lastSeq + 1`, by seq. */
  pending: Map<number, T>
}

/** What to do after {@link acceptItems}. */
export interface OrderStep<T extends Sequenced> {
  /** Deliver these now, in this order (consecutive seqs from the old `lastSeq + 1`). */
  deliver: T[]
  /** A hole: read `(after, upto]` from the feed table (null when nothing is missing). */
  missing: { after: number; upto: number } | null
}

/** A fresh state whose stream starts after `lastSeq` (the feed's newest seq when the event was opened). */
export function orderState<T extends Sequenced>(lastSeq: number): OrderState<T> {
  return { lastSeq, pending: new Map() }
}

/**
 * Takes items (bus messages or feed rows) in any order, with duplicates: anything at or below
 * `lastSeq` is dropped, the rest is held until the run from `lastSeq + 1` is complete. Mutates
 * `state`; returns the run to deliver and, when items wait behind a hole, the range to read.
 */
export function acceptItems<T extends Sequenced>(state: OrderState<T>, items: readonly T[]): OrderStep<T> {
  for (const item of items) if (item.seq > state.lastSeq && !state.pending.has(item.seq)) state.pending.set(item.seq, item)
  const deliver: T[] = []
  for (;;) {
    const next = state.pending.get(state.lastSeq + 1)
    if (next === undefined) break
    state.pending.delete(next.seq)
    state.lastSeq = next.seq
    deliver.push(next)
  }
  return { deliver, missing: missingRange(state) }
}

/** The hole before the newest held item, or null when nothing is held. */
export function missingRange(state: OrderState<Sequenced>): { after: number; upto: number } | null {
  if (state.pending.size === 0) return null
  let max = state.lastSeq
  for (const seq of state.pending.keys()) if (seq > max) max = seq
  return { after: state.lastSeq, upto: max }
}

/**
 * The range to read when the feed's newest seq is `feedLastSeq` (tail check): everything newer
 * than what was delivered or is held. Null when this instance is up to date.
 */
export function tailRange(state: OrderState<Sequenced>, feedLastSeq: number): { after: number; upto: number } | null {
  const held = missingRange(state)
  const upto = Math.max(feedLastSeq, held?.upto ?? 0)
  return upto > state.lastSeq ? { after: state.lastSeq, upto } : null
}

/**
 * After the feed was read up to `upto` and some seqs were not there (rows pruned by an operator),
 * moves past them so delivery never stalls; returns what became deliverable.
 */
export function skipTo<T extends Sequenced>(state: OrderState<T>, upto: number): T[] {
  const out: T[] = []
  while (state.lastSeq < upto) {
    const next = state.pending.get(state.lastSeq + 1)
    if (next !== undefined) {
      state.pending.delete(next.seq)
      out.push(next)
    }
    state.lastSeq += 1
  }
  return [...out, ...acceptItems(state, []).deliver]
}
