// One upvote batcher per instance: concurrent upvotes share one transaction, each answered after it commits.
import type { Ctx } from '../../context.ts'
import { Batcher } from '../polls/vote-batcher.ts'
import { addUpvotes, type UpvoteItem, type UpvoteResult } from './questions.ts'

/** Largest batch of upvotes in one transaction. */
const MAX_ITEMS = 500
/** How long the first upvote of a batch waits for company. */
const DELAY_MS = 2
/** Batches in flight at once. */
const IN_FLIGHT = 2

const batchers = new WeakMap<Ctx, Batcher<UpvoteItem, UpvoteResult>>()

/**
 * This app's upvote batcher. A hot question's count row is then locked once per batch instead
 * of once per upvote, so upvotes on it do not queue behind each other's transactions.
 */
export function upvoteBatcher(ctx: Ctx): Batcher<UpvoteItem, UpvoteResult> {
  let b = batchers.get(ctx)
  if (b === undefined) {
    b = new Batcher<UpvoteItem, UpvoteResult>({ maxItems: MAX_ITEMS, delayMs: DELAY_MS, maxInFlight: IN_FLIGHT, run: (items) => ctx.db.tx((q) => addUpvotes(q, items)) })
    batchers.set(ctx, b)
  }
  return b
}
