// Gateway test fixture: an engagement app (embedded or real backends), a gateway on a free port, a second instance sharing the stores.
import { randomBytes } from 'node:crypto'
import type { ChatMessage } from '../../common/wire/interaction.ts'
import { createLogger } from '../../common/log.ts'
import { makeApp, type TestApp } from '../test-support.ts'
import { buildApp, type BuiltApp } from '../server.ts'
import { startGateway, type Gateway, type GatewayFeature } from './gateway.ts'
import type { FeedDraft } from './types.ts'

/** Config the gateway tests run with: short waits and a small window, so gaps and tails happen quickly. */
export const GATEWAY_TEST_CONFIG = {
  // Long enough that a loaded test machine's resume always arrives first.
  gatewayResumeWaitMs: 2000,
  gatewayTailCheckMs: 200,
  gatewayPresenceMs: 300,
  gatewayTickMs: 100,
  gatewayHistoryItems: 10,
  gatewayRingItems: 4,
  gatewayFrameBurst: 30,
  gatewayFramesPerSec: 5,
} as const

/** A test chat message and its feed draft (same rendering for both audiences). */
export function chatItem(eventId: string, n: number): { message: ChatMessage; draft: FeedDraft } {
  const message: ChatMessage = { id: `m${String(n)}`, eventId, author: { userId: 'u-test', displayName: 'Tess' }, text: `message ${String(n)}`, createdAt: '2026-01-01T12:00:00.000Z' }
  return { message, draft: { public: { type: 'chat', message }, moderators: { type: 'chat', message } } }
}

/** The app, its gateway and URLs. */
export interface GatewayFixture {
  t: TestApp
  gw: Gateway
  /** `ws://127.0.0.1:<port>/v1/events/<eventId>[?query]`. */
  url(eventId: string, query?: string, gw?: Gateway): string
  /** A second engagement instance on the same database and kv (real backends: its own connections). */
  second(features?: readonly GatewayFeature[]): Promise<{ ctx: BuiltApp['ctx']; gw: Gateway }>
  /** Appends `n` chat items to the event through `ctx.realtime` (one transaction each); returns their seqs. */
  append(eventId: string, n: number, from?: number): Promise<number[]>
  close(): Promise<void>
}

/** Starts an app and its gateway on `transport`. */
export async function gatewayFixture(transport: 'uws' | 'ws', features: readonly GatewayFeature[] = [], overrides: Record<string, unknown> = {}): Promise<GatewayFixture> {
  const t = await makeApp({ ...GATEWAY_TEST_CONFIG, ...overrides })
  const gw = await startGateway(t.ctx, features, { port: 0, transport })
  const extra: { app: BuiltApp; gw: Gateway }[] = []
  let counter = 1000
  return {
    t,
    gw,
    url: (eventId, query, g = gw) => `ws://127.0.0.1:${String(g.port)}/v1/events/${eventId}${query === undefined ? '' : `?${query}`}`,
    async second(f = features) {
      const real = t.ctx.config.databaseUrl !== ''
      const app = await buildApp(t.ctx.config, { now: t.clock.now, logger: createLogger('engagement-test-b', 'silent'), ...(real ? {} : { db: t.ctx.db, kv: t.ctx.kv }), origin: { endStream: async () => true } })
      const g = await startGateway(app.ctx, f, { port: 0, transport })
      extra.push({ app, gw: g })
      return { ctx: app.ctx, gw: g }
    },
    async append(eventId, n, from) {
      const out: number[] = []
      for (let i = 0; i < n; i++) {
        const k = from === undefined ? counter++ : from + i
        out.push(await t.ctx.realtime.withFeed(eventId, async (_q, append) => append(chatItem(eventId, k).draft)))
      }
      return out
    },
    async close() {
      for (const e of extra) {
        await e.gw.close()
        await e.app.app.close()
      }
      await gw.close()
      await t.close()
    },
  }
}

/** A fresh event id (the fixture's helpers create the rows). */
export function freshEventId(): string {
  return `ev-${randomBytes(4).toString('hex')}`
}
