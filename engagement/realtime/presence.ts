// Viewer counts across instances: each instance writes its per-event connection count to kv with a TTL; the sum is the audience.
import type { Kv } from '../platform/kv.ts'

const countKey = (eventId: string, instanceId: string): string => `rt:presence:${eventId}:${instanceId}`
const setKey = (eventId: string): string => `rt:presence:${eventId}`

/**
 * Writes this instance's counts (expiring after `ttlMs`, so a dead instance stops counting) and
 * returns each event's total over all live instances. Instances whose count expired leave the set.
 */
export async function reportPresence(kv: Kv, instanceId: string, counts: ReadonlyMap<string, number>, ttlMs: number): Promise<Map<string, number>> {
  const totals = new Map<string, number>()
  await Promise.all(
    [...counts].map(async ([eventId, count]) => {
      await kv.set(countKey(eventId, instanceId), String(count), ttlMs)
      await kv.sAdd(setKey(eventId), instanceId, ttlMs)
      let sum = 0
      for (const member of await kv.sMembers(setKey(eventId))) {
        const v = member === instanceId ? String(count) : await kv.get(countKey(eventId, member))
        if (v === null) await kv.sRem(setKey(eventId), member)
        else sum += Number(v) || 0
      }
      totals.set(eventId, sum)
    }),
  )
  return totals
}

/** Removes this instance's count of an event (its last connection left). */
export async function clearPresence(kv: Kv, instanceId: string, eventId: string): Promise<void> {
  await kv.del(countKey(eventId, instanceId))
  await kv.sRem(setKey(eventId), instanceId)
}
