// What crosses instances on the bus (kv sharded pub/sub): per-event channels carrying feed items and unordered messages.
import type { ServerMessage } from '../../common/wire/realtime.ts'
import type { Kv } from '../platform/kv.ts'
import type { FeedItem } from './feed.ts'
import type { Audience } from './types.ts'

/** One bus message on an event's channel. */
export type BusMessage =
  /** A committed feed item (ordered; a lost one is read back from the feed table). */
  | { k: 'item'; eventId: string; item: FeedItem }
  /** An unordered message for the event's subscribers (at most once; the next tick repairs). */
  | { k: 'msg'; eventId: string; audience: Audience; msg: ServerMessage }

/**
 * The event's channel. The braces are a Redis Cluster hash tag: the event's channel maps to one
 * slot, so SPUBLISH and SSUBSCRIBE stay on the shard that owns it.
 */
export function busChannel(eventId: string): string {
  return `rt:{${eventId}}`
}

export function encodeBus(m: BusMessage): string {
  return JSON.stringify(m)
}

/** Parses a bus payload; null for anything that is not one of ours (never throws). */
export function decodeBus(raw: string): BusMessage | null {
  try {
    const m = JSON.parse(raw) as Partial<BusMessage> | null
    if (m === null || typeof m !== 'object' || typeof m.eventId !== 'string') return null
    if (m.k === 'item' && typeof m.item === 'object' && Number.isSafeInteger(m.item.seq)) return m as BusMessage
    if (m.k === 'msg' && (m.audience === 'public' || m.audience === 'moderators') && typeof m.msg === 'object') return m as BusMessage
    return null
  } catch {
    return null
  }
}

/** Sends a bus message to every instance subscribed to the event. */
export async function publishBus(kv: Pick<Kv, 'sPublish'>, m: BusMessage): Promise<void> {
  await kv.sPublish(busChannel(m.eventId), encodeBus(m))
}

/** Subscribes to an event's bus channel; malformed payloads are dropped. */
export function subscribeBus(kv: Pick<Kv, 'sSubscribe'>, eventId: string, onMessage: (m: BusMessage) => void): Promise<() => Promise<void>> {
  return kv.sSubscribe(busChannel(eventId), (raw) => {
    const m = decodeBus(raw)
    if (m !== null && m.eventId === eventId) onMessage(m)
  })
}
