import { isIP } from 'node:net'
import type { FastifyError, FastifyInstance } from 'fastify'
import type { ErrorBody } from '../../common/wire/errors.ts'

/** A refusal a handler throws; the error handler turns it into `{ error, message, ... }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Partial<ErrorBody> = {},
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

// Fastify's own client errors, mapped to stable codes and clear messages.
const FASTIFY_CODES: Record<string, [number, string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'BODY_TOO_LARGE', 'request body is too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE', 'send application/json'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'BAD_JSON', 'body is empty but content-type is application/json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'BAD_JSON', 'body is not valid JSON'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'BAD_REQUEST', 'content-length does not match the body'],
}

/** Installs the error and not-found handlers: client mistakes get a 4xx with a clear message, never a 500. */
export function registerErrors(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    if (err instanceof ApiError) {
      if (err.extra.retryAfterSec !== undefined) void reply.header('retry-after', String(err.extra.retryAfterSec))
      return reply.code(err.status).send({ error: err.code, message: err.message, ...err.extra })
    }
    if (err.validation !== undefined) {
      const where = err.validationContext ?? 'request'
      return reply.code(400).send({ error: 'VALIDATION', message: `${where}: ${err.message.replace(/^(body|params|querystring|headers)\/?/, '')}`.slice(0, 300) })
    }
    const mapped = err.code === undefined ? undefined : FASTIFY_CODES[err.code]
    if (mapped !== undefined) return reply.code(mapped[0]).send({ error: mapped[1], message: mapped[2] })
    if (err instanceof SyntaxError || (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500)) {
      return reply.code(err.statusCode ?? 400).send({ error: 'BAD_REQUEST', message: err.message.slice(0, 200) })
    }
    req.log.error({ err }, 'unhandled error')
    return reply.code(500).send({ error: 'INTERNAL', message: 'internal error' })
  })
}

// PostgreSQL text cannot hold NUL, and no field of this API needs control characters that deep.
function hasNul(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return v.includes('\u0000')
  if (depth > 32 || v === null || typeof v !== 'object') return false
  return Object.values(v as Record<string, unknown>).some((x) => hasNul(x, depth + 1))
}

/** Refuses JSON bodies and query strings containing NUL characters with a 400 before validation. */
export function registerInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    if (hasNul(req.body) || hasNul(req.query) || hasNul(req.params)) throw new ApiError(400, 'VALIDATION', 'text must not contain NUL characters')
  })
}

/**
 * Refuses a request whose client address, as walked through trusted proxies, is not an address:
 * a trusted hop that forwards garbage is broken or lying, and its value must not reach limits or logs.
 */
export function registerForwardedGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    if (isIP(req.ip) === 0) throw new ApiError(400, 'BAD_FORWARDED_FOR', 'X-Forwarded-For from a trusted proxy holds no valid client address')
  })
}

/**
 * Refuses request targets that are not origin-form (`*`, absolute URLs: this service is no proxy)
 * and requests with more than one Host header (RFC 9112 §3.2: a server must answer 400).
 */
export function registerRequestGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    if (!req.raw.url?.startsWith('/')) throw new ApiError(400, 'BAD_REQUEST_TARGET', 'the request target must be a path starting with /')
    let hosts = 0
    for (let i = 0; i < req.raw.rawHeaders.length; i += 2) if (req.raw.rawHeaders[i]?.toLowerCase() === 'host') hosts += 1
    if (hosts > 1) throw new ApiError(400, 'BAD_HOST', 'more than one Host header')
  })
}
