import { Type } from 'typebox'
import type { App } from '../platform/app-type.ts'
import type { Ctx } from '../context.ts'
import { monetizationOf, saveMonetization } from './monetization.ts'
import { errorResponses } from '../platform/schemas.ts'
import { EventParams } from '../../common/wire/events.ts'
import { requireEventAccess } from '../accounts/access-guard.ts'

const Price = { priceCents: Type.Integer({ minimum: 0, maximum: 100_000_00 }), currency: Type.String({ pattern: '^[A-Z]{3}$' }) }
const Holder = Type.String({ maxLength: 140 })
const MonetizationInput = Type.Object(
  {
    ...Price,
    payoutIban: Type.Optional(Type.String({ pattern: '^([A-Z]{2}[0-9]{2}[A-Z0-9]{10,30})?$', description: "Stored sealed and only shown masked; omit to keep the stored one, '' to remove it" })),
    payoutHolder: Holder,
  },
  { additionalProperties: false },
)
const MonetizationView = Type.Object({
  ...Price,
  payoutIbanMasked: Type.String({ description: "Last 4 characters of the IBAN (`••••3000`), '' when none is set" }),
  payoutHolder: Holder,
  updatedAt: Type.Union([Type.String(), Type.Null()]),
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
        response: { 200: MonetizationView, ...errorResponses },
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
        body: MonetizationInput,
        response: { 200: MonetizationView, ...errorResponses },
      },
    },
    async (req) => {
      const { eventId } = req.params
      await requireEventAccess(ctx, req, { eventId, tier: 'high', roles: ['organizer'], action: 'monetization.update' })
      await saveMonetization(ctx.db, ctx.config.dataSecret, eventId, req.body, ctx.now())
      await ctx.audit(req, { action: 'monetization.update', eventId, target: eventId, result: 'ok', detail: `price=${req.body.priceCents} ${req.body.currency}` })
      return monetizationOf(ctx.db, eventId)
    },
  )
}
