import { Type } from 'typebox'
import type { App } from '../platform/app-type.ts'
import type { Ctx } from '../context.ts'
import { randomToken, seal, sha256, unseal } from '../platform/crypto.ts'
import { publicKey, replaceStreamKey, revokeStreamKey, streamKeyById, streamKeysOfEvent } from './stream-keys.ts'
import { ApiError } from '../platform/errors.ts'
import { Ok, errorResponses } from '../platform/schemas.ts'
import { EventId } from '../../common/wire/events.ts'
import { StreamKeyView } from '../../common/wire/keys.ts'
import { requireEventAccess } from '../accounts/access-guard.ts'

const KeyParams = Type.Object({ eventId: EventId, keyId: Type.String({ pattern: '^[A-Za-z0-9_-]{8,40}$' }) }, { additionalProperties: false })
const ROLES = ['creator', 'organizer'] as const

/** listStreamKeys, createStreamKey, revealStreamKey, revokeStreamKey. */
export function streamKeyRoutes(app: App, ctx: Ctx): void {
  app.get(
    '/api/events/:eventId/stream-keys',
    {
      schema: {
        operationId: 'listStreamKeys',
        tags: ['stream-keys'],
        summary: 'Stream keys of the event, masked (medium: role and 2FA)',
        params: Type.Object({ eventId: EventId }, { additionalProperties: false }),
        response: { 200: Type.Object({ keys: Type.Array(StreamKeyView) }), ...errorResponses },
      },
    },
    async (req) => {
      await requireEventAccess(ctx, req, { eventId: req.params.eventId, tier: 'medium', roles: ROLES, action: 'stream_key.list' })
      return { keys: (await streamKeysOfEvent(ctx.db, req.params.eventId)).map(publicKey) }
    },
  )

  app.post(
    '/api/events/:eventId/stream-keys',
    {
      schema: {
        operationId: 'createStreamKey',
        tags: ['stream-keys'],
        summary: 'Create (or rotate) the key of one angle; the previous key of that angle is revoked. High sensitivity.',
        params: Type.Object({ eventId: EventId }, { additionalProperties: false }),
        body: Type.Object(
          { angle: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$' }), label: Type.Optional(Type.String({ maxLength: 100 })) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ key: StreamKeyView, streamKey: Type.String(), revokedIds: Type.Array(Type.String()) }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const { eventId } = req.params
      const { auth } = await requireEventAccess(ctx, req, { eventId, tier: 'high', roles: ROLES, action: 'stream_key.create', target: req.body.angle })
      const streamKey = `live_${randomToken(24)}`
      const id = randomToken(12)
      const revokedIds = await ctx.db.tx((q) =>
        replaceStreamKey(q, {
          id,
          eventId,
          angle: req.body.angle,
          label: req.body.label ?? '',
          keyHash: sha256(streamKey),
          keySealed: seal(ctx.config.dataSecret, streamKey),
          last4: streamKey.slice(-4),
          createdBy: auth.user.id,
        }),
      )
      const row = await streamKeyById(ctx.db, eventId, id)
      if (row === null) throw new Error('stream key vanished after insert')
      await ctx.audit(req, { action: 'stream_key.create', eventId, target: id, result: 'ok', detail: revokedIds.length > 0 ? `rotated ${revokedIds.join(',')}` : '' })
      return reply.code(201).send({ key: publicKey(row), streamKey, revokedIds })
    },
  )

  app.post(
    '/api/events/:eventId/stream-keys/:keyId/reveal',
    {
      schema: {
        operationId: 'revealStreamKey',
        tags: ['stream-keys'],
        summary: 'Show a key in full. High sensitivity.',
        params: KeyParams,
        response: { 200: Type.Object({ key: StreamKeyView, streamKey: Type.String() }), ...errorResponses },
      },
    },
    async (req) => {
      const { eventId, keyId } = req.params
      await requireEventAccess(ctx, req, { eventId, tier: 'high', roles: ROLES, action: 'stream_key.reveal', target: keyId })
      const row = await streamKeyById(ctx.db, eventId, keyId)
      if (row === null) throw new ApiError(404, 'KEY_NOT_FOUND', 'no such stream key on this event')
      await ctx.audit(req, { action: 'stream_key.reveal', eventId, target: keyId, result: 'ok' })
      return { key: publicKey(row), streamKey: unseal(ctx.config.dataSecret, row.keySealed) }
    },
  )

  app.delete(
    '/api/events/:eventId/stream-keys/:keyId',
    {
      schema: {
        operationId: 'revokeStreamKey',
        tags: ['stream-keys'],
        summary: 'Revoke a key; the origin refuses it at the next connect. High sensitivity.',
        params: KeyParams,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (req) => {
      const { eventId, keyId } = req.params
      await requireEventAccess(ctx, req, { eventId, tier: 'high', roles: ROLES, action: 'stream_key.revoke', target: keyId })
      const ok = await revokeStreamKey(ctx.db, eventId, keyId)
      if (!ok) throw new ApiError(404, 'KEY_NOT_FOUND', 'no active stream key with that id on this event')
      await ctx.audit(req, { action: 'stream_key.revoke', eventId, target: keyId, result: 'ok' })
      return { ok: true }
    },
  )
}
