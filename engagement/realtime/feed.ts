// The event feed's rows: append an ordered item inside the caller's transaction, read ranges back, newest seq; what pruning reads and deletes.
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

/** What the prune job reads of one event's feed (engagement/realtime/feed-prune.ts). */
export interface FeedPruneRow {
  eventId: string
  /** The counter: the newest seq handed out (it stays when rows go, so the next seq is still this + 1). */
  lastSeq: number
  /** Oldest row still stored; null when the event has none. */
  oldestSeq: number | null
  ended: boolean
  /** When the prune job first saw the event ended (ms since epoch); null when not recorded. */
  endedSeenAtMs: number | null
}

/** Every event with a feed counter, its oldest stored row and its end as the prune job recorded it. */
export async function feedPruneRows(q: FeedQueryable): Promise<FeedPruneRow[]> {
  const rows = await q.query<{ event_id: string; last_seq: string | number; oldest_seq: string | number | null; ended: boolean; seen_ms: string | number | null }>(
    `SELECT s.event_id, s.last_seq, e.status = 'ended' AS ended, EXTRACT(EPOCH FROM d.seen_at) * 1000 AS seen_ms,
       (SELECT f.seq FROM realtime_feed f WHERE f.event_id = s.event_id ORDER BY f.seq LIMIT 1) AS oldest_seq
     FROM realtime_feed_seq s JOIN events e ON e.id = s.event_id LEFT JOIN realtime_feed_ended d ON d.event_id = s.event_id
     ORDER BY s.event_id`,
  )
  return rows.map((r) => ({
    eventId: r.event_id,
    lastSeq: Number(r.last_seq),
    oldestSeq: r.oldest_seq === null ? null : Number(r.oldest_seq),
    ended: r.ended,
    endedSeenAtMs: r.seen_ms === null ? null : Math.round(Number(r.seen_ms)),
  }))
}

/** Deletes the event's rows with `fromSeq <= seq < belowSeq` in one statement (the primary key bounds it); returns how many. */
export async function deleteFeedRange(q: FeedQueryable, eventId: string, fromSeq: number, belowSeq: number): Promise<number> {
  if (belowSeq <= fromSeq) return 0
  const rows = await q.query<{ n: string | number }>(
    'WITH d AS (DELETE FROM realtime_feed WHERE event_id = $1 AND seq >= $2 AND seq < $3 RETURNING 1) SELECT count(*) AS n FROM d',
    [eventId, fromSeq, belowSeq],
  )
  return Number(rows[0]?.n ?? 0)
}

/** Records events as seen ended at `atMs` (kept if already recorded) and forgets `reopened` ones. */
export async function markFeedEnded(q: FeedQueryable, ended: readonly string[], reopened: readonly string[], atMs: number): Promise<void> {
  if (ended.length > 0) {
    await q.query('INSERT INTO realtime_feed_ended (event_id, seen_at) SELECT e, $2::timestamptz FROM unnest($1::text[]) AS e ON CONFLICT (event_id) DO NOTHING', [[...ended], new Date(atMs).toISOString()])
  }
  if (reopened.length > 0) await q.query('DELETE FROM realtime_feed_ended WHERE event_id = ANY($1::text[])', [[...reopened]])
}
