import { Type } from 'typebox'
import type { Registry } from 'prom-client'
import type { App } from '../platform/app-type.ts'
import type { Ctx } from '../context.ts'
import { healthBody } from '../../common/metrics.ts'
import { ApiError } from '../platform/errors.ts'
import { errorResponses } from '../platform/schemas.ts'
import { ClientConfig } from '../../common/wire/client-config.ts'
import { originBaseUrl, realtimeUrl, requestBase, trackerUrls } from './public-urls.ts'

/** health, metrics, openapi, client-config. */
export function metaRoutes(app: App, ctx: Ctx, registry: Registry, startedAtMs: number): void {
  app.get(
    '/health',
    { schema: { operationId: 'health', tags: ['meta'], response: { 200: Type.Object({ status: Type.String(), service: Type.String(), uptimeSec: Type.Number(), db: Type.String() }) } } },
    async () => JSON.parse(healthBody('engagement', startedAtMs, Date.now(), { db: ctx.db.kind })) as { status: string; service: string; uptimeSec: number; db: string },
  )

  app.get('/metrics', { schema: { operationId: 'metrics', tags: ['meta'], response: { 200: Type.String() } } }, async (_req, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  )

  app.get(
    '/api/openapi.json',
    {
      schema: {
        operationId: 'openapi',
        tags: ['meta'],
        summary: 'This API description (OpenAPI 3)',
        response: { 200: Type.Object({ openapi: Type.String(), info: Type.Object({}, { additionalProperties: true }), paths: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: true }) },
      },
    },
    async () => app.swagger() as unknown as { openapi: string; info: Record<string, unknown>; paths: Record<string, unknown> },
  )

  app.get(
    '/api/client-config',
    {
      schema: {
        operationId: 'clientConfig',
        tags: ['meta'],
        summary: 'Where the viewer app finds the origin, the trackers and ICE servers',
        response: {
          200: ClientConfig,
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const base = requestBase(req)
      if (base === null) throw new ApiError(400, 'BAD_HOST', 'the Host header is not a host name or address')
      return { originBaseUrl: originBaseUrl(ctx.config, base), trackerUrls: trackerUrls(ctx.config, base), iceServers: ctx.config.iceServers, realtimeUrl: realtimeUrl(ctx.config, base) }
    },
  )
}
