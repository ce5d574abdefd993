import { Type } from 'typebox'
import type { App } from '../app-type.ts'
import type { Ctx } from '../../context.ts'
import { monetizationOf, saveMonetization } from '../../data/monetization.ts'
import { EventParams, errorResponses } from '../schemas.ts'
import { requireEventAccess } from '../guard.ts'

const MonetizationView = Type.Object({
  priceCents: Type.Integer({ minimum: 0, maximum: 100_000_00 }),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  payoutIban: Type.String({ pattern: '^([A-Z]{2}[0-9]{2}[A-Z0-9]{10,30})?$' }),
  payoutHolder: Type.String({ maxLength: 140 }),
})

/** getMonetization, updateMonetization (both high sensitivity, organizers only). */
export function monetizationRoutes(app: App, ctx: Ctx): void {
  app.get(
    '/api/events/:eventId/monetization',
    {
      schema: {
        operationId: 'getMonetization',
        tags: ['monetization'],
        summary: 'Price and payout settings. High sensitivity.',
        params: EventParams,
        response: { 200: Type.Object({ ...MonetizationView.properties, updatedAt: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses },
      },
    },
    async (req) => {
      const { eventId } = req.params
      await requireEventAccess(ctx, req, { eventId, tier: 'high', roles: ['organizer'], action: 'monetization.view' })
      await ctx.audit(req, { action: 'monetization.view', eventId, target: eventId, result: 'ok' })
      return monetizationOf(ctx.db, eventId)
    },
  )

  app.put(
    '/api/events/:eventId/monetization',
    {
      schema: {
        operationId: 'updateMonetization',
        tags: ['monetization'],
        summary: 'Change price and payout settings. High sensitivity.',
        params: EventParams,
        body: Type.Object(MonetizationView.properties, { additionalProperties: false }),
        response: { 200: Type.Object({ ...MonetizationView.properties, updatedAt: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses },
      },
    },
    async (req) => {
      const { eventId } = req.params
      await requireEventAccess(ctx, req, { eventId, tier: 'high', roles: ['organizer'], action: 'monetization.update' })
      await saveMonetization(ctx.db, eventId, req.body, ctx.now())
      await ctx.audit(req, { action: 'monetization.update', eventId, target: eventId, result: 'ok', detail: `price=${req.body.priceCents} ${req.body.currency}` })
      return monetizationOf(ctx.db, eventId)
    },
  )
}
