// Per-instance cache of what every interaction write checks: the event's settings, compiled blocked words, bans and timeouts.
import type { ChatSettings } from '../../../common/wire/interaction.ts'
import type { Ctx } from '../../context.ts'
import { activeRestrictions, type Restriction } from '../chat/restrictions.ts'
import { compileBlockedWords, type BlockedWordFilter } from './blocked-words.ts'
import { settingsAndEndOf } from './settings.ts'

/** What a write on one event is checked against. */
export interface EventInteraction {
  eventId: string
  settings: ChatSettings
  /** The event has ended: new content (chat, questions, upvotes, reactions) is refused. */
  ended: boolean
  filter: BlockedWordFilter
  /** Bans and timeouts in force when loaded (a timeout's end is compared with the clock on use). */
  restrictions: ReadonlyMap<string, Restriction>
}

interface Entry {
  loadedAtMs: number
  value: Promise<EventInteraction | null>
}

/** kv channel on which a change on any instance drops the other instances' copies. */
export const STATE_CHANNEL = 'interaction:state-changed'
const MAX_EVENTS = 10_000

/**
 * Loads per event once per `interactionStateCacheMs` instead of once per write (votes, chat and
 * reactions come by the thousand). A change (settings, ban, timeout, unban, the event's end) drops this instance's
 * copy at once and the others' through a kv message; if that message is lost, theirs is at most
 * `interactionStateCacheMs` old.
 */
export class EventStateCache {
  private readonly entries = new Map<string, Entry>()
  private unsubscribe: Promise<() => Promise<void>> | undefined

  constructor(private readonly ctx: Ctx) {}

  /** The event's state, or null when the event does not exist (never cached). */
  async get(eventId: string): Promise<EventInteraction | null> {
    this.listen()
    const now = this.ctx.now()
    const hit = this.entries.get(eventId)
    if (hit !== undefined && now - hit.loadedAtMs < this.ctx.config.interactionStateCacheMs) return hit.value
    const value = this.load(eventId, now)
    const entry = { loadedAtMs: now, value }
    this.entries.delete(eventId)
    if (this.entries.size >= MAX_EVENTS) this.entries.delete(this.entries.keys().next().value as string)
    this.entries.set(eventId, entry)
    value.then(
      (v) => {
        if (v === null && this.entries.get(eventId) === entry) this.entries.delete(eventId)
      },
      () => {
        if (this.entries.get(eventId) === entry) this.entries.delete(eventId)
      },
    )
    return value
  }

  /** Call after committing a change: drops this instance's copy and tells the others. */
  async changed(eventId: string): Promise<void> {
    this.entries.delete(eventId)
    try {
      await this.ctx.kv.publish(STATE_CHANNEL, eventId)
    } catch (err) {
      // The others catch up within interactionStateCacheMs.
      this.ctx.log.warn({ err, eventId }, 'interaction state change not published')
    }
  }

  /** Stops listening for other instances' changes. */
  async close(): Promise<void> {
    const u = this.unsubscribe
    this.unsubscribe = undefined
    this.entries.clear()
    if (u !== undefined) await (await u)().catch(() => undefined)
  }

  private listen(): void {
    if (this.unsubscribe !== undefined) return
    this.unsubscribe = this.ctx.kv.subscribe(STATE_CHANNEL, (eventId) => void this.entries.delete(eventId))
    this.unsubscribe.catch((err: unknown) => {
      this.ctx.log.warn({ err }, 'interaction state channel unavailable')
      this.unsubscribe = undefined
    })
  }

  private async load(eventId: string, nowMs: number): Promise<EventInteraction | null> {
    const row = await settingsAndEndOf(this.ctx.db, eventId)
    if (row === null) return null
    const { settings, ended } = row
    const restrictions = await activeRestrictions(this.ctx.db, eventId, nowMs)
    return { eventId, settings, ended, filter: compileBlockedWords(settings.blockedWords), restrictions }
  }
}

const caches = new WeakMap<Ctx, EventStateCache>()

/** This app's cache (one per `Ctx`, so two apps in one test process stay apart). */
export function eventStates(ctx: Ctx): EventStateCache {
  let c = caches.get(ctx)
  if (c === undefined) {
    c = new EventStateCache(ctx)
    caches.set(ctx, c)
  }
  return c
}
