// ctx.realtime: features append ordered items in their own transaction and publish unordered messages over the bus.
import type { ServerMessage } from '../../common/wire/realtime.ts'
import type { Logger } from '../../common/log.ts'
import type { Db } from '../platform/db.ts'
import type { Kv } from '../platform/kv.ts'
import { appendFeedItem, type FeedItem } from './feed.ts'
import { publishBus } from './bus.ts'
import type { Audience, RealtimePublisher } from './types.ts'

/**
 * The {@link RealtimePublisher} over the database and the kv bus. A failed publish is logged and
 * never fails the caller: the effect has committed, and every gateway reads a lost item back from
 * the feed table (hole fill or tail check); an unordered message is repaired by the next tick.
 */
export function createRealtimePublisher(db: Db, kv: Kv, log: Logger): RealtimePublisher {
  const send = async (eventId: string, item: FeedItem): Promise<void> => {
    try {
      await publishBus(kv, { k: 'item', eventId, item })
    } catch (err) {
      log.warn({ err: (err as Error).message, eventId, seq: item.seq }, 'realtime bus publish failed; gateways will read the item from the feed')
    }
  }
  return {
    async withFeed(eventId, fn) {
      const items: FeedItem[] = []
      const out = await db.tx((q) =>
        fn(q, async (draft) => {
          const item = await appendFeedItem(q, eventId, draft)
          items.push(item)
          return item.seq
        }),
      )
      for (const item of items) await send(eventId, item)
      return out
    },
    async publish(eventId: string, msg: ServerMessage, audience: Audience = 'public') {
      try {
        await publishBus(kv, { k: 'msg', eventId, audience, msg })
      } catch (err) {
        log.warn({ err: (err as Error).message, eventId, type: msg.type }, 'realtime bus publish failed')
      }
    },
  }
}
