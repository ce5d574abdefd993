// Test helpers for route tests of any feature: collect what was published to an event over the bus.
import { randomBytes } from 'node:crypto'
import type { OrderedMessage, ServerMessage } from '../../common/wire/realtime.ts'
import type { Kv } from '../platform/kv.ts'
import type { Queryable } from '../platform/db.ts'
import { insertEvent } from '../events/events.ts'
import { insertUser } from '../accounts/users.ts'
import { subscribeBus, type BusMessage } from './bus.ts'
import type { FeedItem } from './feed.ts'
import type { Audience } from './types.ts'

/** Everything published to one event since {@link collectPublished} started, in arrival order. */
export interface Published {
  /** Raw bus messages. */
  readonly all: BusMessage[]
  /** Feed items (ordered; both renderings). */
  items(): FeedItem[]
  /** What a public subscriber would get: public renderings of items and messages for everyone. */
  public(): ServerMessage[]
  /** What a moderator subscriber would get: moderator renderings and every message. */
  moderators(): ServerMessage[]
  /** Resolves with the first message (of `audience`'s view) matching `pred`; rejects after `timeoutMs`. */
  waitFor<T extends ServerMessage = ServerMessage>(pred: (m: ServerMessage) => boolean, opts?: { audience?: Audience; timeoutMs?: number }): Promise<T>
  stop(): Promise<void>
}

function view(all: readonly BusMessage[], audience: Audience): ServerMessage[] {
  const out: ServerMessage[] = []
  for (const m of all) {
    if (m.k === 'item') {
      const r: OrderedMessage | null = audience === 'public' ? m.item.public : m.item.moderators
      if (r !== null) out.push(r)
    } else if (audience === 'moderators' || m.audience === 'public') out.push(m.msg)
  }
  return out
}

/**
 * Subscribes to the event's bus channel (the same one the gateways use), so a route test can
 * assert what a REST call published. Works on the in-process kv and on Redis (use `waitFor` there:
 * delivery is asynchronous). Call `stop()` when done.
 *
 * ```ts
 * const pub = await collectPublished(t.ctx.kv, eventId)
 * await agent.req('POST', `/api/events/${eventId}/chat`, { text: 'hi' })
 * const chat = await pub.waitFor((m) => m.type === 'chat')
 * await pub.stop()
 * ```
 */
export async function collectPublished(kv: Pick<Kv, 'sSubscribe'>, eventId: string): Promise<Published> {
  const all: BusMessage[] = []
  const waiters = new Set<() => void>()
  const stop = await subscribeBus(kv, eventId, (m) => {
    all.push(m)
    for (const w of [...waiters]) w()
  })
  return {
    all,
    items: () => all.flatMap((m) => (m.k === 'item' ? [m.item] : [])),
    public: () => view(all, 'public'),
    moderators: () => view(all, 'moderators'),
    waitFor<T extends ServerMessage>(pred: (m: ServerMessage) => boolean, opts: { audience?: Audience; timeoutMs?: number } = {}) {
      const audience = opts.audience ?? 'moderators'
      return new Promise<T>((resolve, reject) => {
        const check = (): boolean => {
          const hit = view(all, audience).find(pred)
          if (hit === undefined) return false
          waiters.delete(onMsg)
          clearTimeout(timer)
          resolve(hit as T)
          return true
        }
        const onMsg = (): void => void check()
        const timer = setTimeout(() => {
          waiters.delete(onMsg)
          reject(new Error(`nothing matching was published to ${eventId} within ${String(opts.timeoutMs ?? 2000)} ms (got ${JSON.stringify(view(all, audience).map((m) => m.type))})`))
        }, opts.timeoutMs ?? 2000)
        waiters.add(onMsg)
        check()
      })
    },
    stop,
  }
}

/** Inserts a bare user and an event it created (no password, no event roles); returns both ids. */
export async function insertTestEvent(q: Queryable, eventId = `ev-${randomBytes(4).toString('hex')}`): Promise<{ eventId: string; userId: string }> {
  const userId = `u-${randomBytes(6).toString('hex')}`
  await insertUser(q, { id: userId, email: `${userId}@example.test`, passwordHash: 'x' })
  if (!(await insertEvent(q, { id: eventId, title: `Event ${eventId}`, description: '', startsAt: null, free: true, createdBy: userId }))) throw new Error(`event ${eventId} exists`)
  return { eventId, userId }
}
