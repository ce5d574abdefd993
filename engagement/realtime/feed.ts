// The event feed's rows: append an ordered item inside the caller's transaction, read ranges back, newest seq.
import type { OrderedMessage } from '../../common/wire/realtime.ts'
import type { FeedDraft, FeedQueryable } from './types.ts'

/** One sequenced item of an event's feed in both renderings (each carries `seq`). */
export interface FeedItem {
  seq: number
  /** What the audience sees; null for moderator-only items. */
  public: OrderedMessage | null
  moderators: OrderedMessage
}

function withSeq(draft: FeedDraft['moderators'], seq: number): OrderedMessage {
  return { ...draft, seq } as OrderedMessage
}

/**
 * Gives the next seq of the event and stores the item, in the caller's transaction. The counter
 * row stays locked until that transaction ends, so seqs of one event commit in order and a
 * rollback hands its seq back: the committed feed has no holes.
 */
export async function appendFeedItem(q: FeedQueryable, eventId: string, draft: FeedDraft): Promise<FeedItem> {
  const rows = await q.query<{ last_seq: string | number }>(
    `INSERT INTO realtime_feed_seq (event_id, last_seq) VALUES ($1, 1)
     ON CONFLICT (event_id) DO UPDATE SET last_seq = realtime_feed_seq.last_seq + 1
     RETURNING last_seq`,
    [eventId],
  )
  const seq = Number(rows[0]?.last_seq)
  if (!Number.isSafeInteger(seq) || seq < 1) throw new Error('feed counter returned no seq')
  const item: FeedItem = { seq, public: draft.public === null ? null : withSeq(draft.public, seq), moderators: withSeq(draft.moderators, seq) }
  await q.query('INSERT INTO realtime_feed (event_id, seq, public_msg, moderator_msg) VALUES ($1, $2, $3::jsonb, $4::jsonb)', [
    eventId,
    seq,
    item.public === null ? null : JSON.stringify(item.public),
    JSON.stringify(item.moderators),
  ])
  return item
}

interface FeedRow {
  seq: string | number
  public_msg: unknown
  moderator_msg: unknown
}

// pg and PGlite both parse jsonb; a driver that hands back text is parsed here.
const json = (v: unknown): unknown => (typeof v === 'string' ? (JSON.parse(v) as unknown) : v)

function toItem(r: FeedRow): FeedItem {
  return { seq: Number(r.seq), public: (json(r.public_msg) as OrderedMessage | null) ?? null, moderators: json(r.moderator_msg) as OrderedMessage }
}

/** Items with `afterSeq < seq <= uptoSeq`, oldest first, at most `limit`. */
export async function readFeed(q: FeedQueryable, eventId: string, afterSeq: number, uptoSeq: number, limit: number): Promise<FeedItem[]> {
  if (uptoSeq <= afterSeq || limit <= 0) return []
  const rows = await q.query<FeedRow>(
    'SELECT seq, public_msg, moderator_msg FROM realtime_feed WHERE event_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4',
    [eventId, afterSeq, uptoSeq, limit],
  )
  return rows.map(toItem)
}

/** The newest committed seq of an event, 0 before its first item. */
export async function lastFeedSeq(q: FeedQueryable, eventId: string): Promise<number> {
  const rows = await q.query<{ last_seq: string | number }>('SELECT last_seq FROM realtime_feed_seq WHERE event_id = $1', [eventId])
  return rows.length === 0 ? 0 : Number(rows[0]?.last_seq)
}

/** Newest seq of several events in one query (the gateway's tail check); absent events are 0. */
export async function lastFeedSeqs(q: FeedQueryable, eventIds: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>(eventIds.map((e) => [e, 0]))
  if (eventIds.length === 0) return out
  const rows = await q.query<{ event_id: string; last_seq: string | number }>('SELECT event_id, last_seq FROM realtime_feed_seq WHERE event_id = ANY($1::text[])', [[...eventIds]])
  for (const r of rows) out.set(r.event_id, Number(r.last_seq))
  return out
}
