/**
 * Who may open a connection, and with which namespace and locality: pure checks on copied request
 * data (path, query, headers, address), plus admission-token verification with `jose`.
 */
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose'
import { allowsAnyOrigin, type TrackerConfig } from './config.ts'
import { clientAddress, compileTrustedProxies } from '../common/client-address.ts'

/** What the transport copies out of an upgrade request before any await. */
export interface UpgradeRequest {
  path: string
  query: string
  origin: string
  /** Value of the configured locality header, or ''. */
  localityHeader: string
  /** Value of `X-Forwarded-For`, or '' (transports may skip reading it when no proxy is trusted). */
  forwardedFor: string
  /** The socket peer's address. */
  remoteIp: string
}

/** Typed refusal reasons, each mapped to an HTTP status by the transport. */
export type AdmissionErrorCode =
  | 'BAD_PATH'
  | 'ORIGIN_NOT_ALLOWED'
  | 'TOKEN_REQUIRED'
  | 'TOKEN_INVALID'
  | 'TOKEN_LIFETIME_TOO_LONG'
  | 'TOKEN_WRONG_EVENT'
  | 'TOO_MANY_CONNECTIONS'

/** Outcome of admission. */
export type Admission = { ok: true; namespace: string; locality: string } | { ok: false; code: AdmissionErrorCode }

/** HTTP status for each refusal. */
export const ADMISSION_STATUS: Record<AdmissionErrorCode, string> = {
  BAD_PATH: '404 Not Found',
  ORIGIN_NOT_ALLOWED: '403 Forbidden',
  TOKEN_REQUIRED: '401 Unauthorized',
  TOKEN_INVALID: '401 Unauthorized',
  TOKEN_LIFETIME_TOO_LONG: '401 Unauthorized',
  TOKEN_WRONG_EVENT: '403 Forbidden',
  TOO_MANY_CONNECTIONS: '503 Service Unavailable',
}

const NAMESPACE_RE = /^[A-Za-z0-9_.-]{1,64}$/

/**
 * Splits a raw request target into path and query without `new URL`, which throws on targets such
 * as `//a:b:c` and reads `//host/x` as an authority. Only the origin form (`/path?query`) is
 * served; the asterisk and absolute forms, and anything else, give undefined (HTTP 400). Nothing
 * is percent-decoded: paths are matched as sent.
 */
export function splitTarget(target: string): { path: string; query: string } | undefined {
  if (!target.startsWith('/')) return undefined
  const q = target.indexOf('?')
  return q < 0 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) }
}

/** `/`, `/announce` → '' (shared namespace); `/e/<event>` or `/e/<event>/announce` → `<event>`. */
export function namespaceOf(path: string): string | undefined {
  if (path === '/' || path === '/announce' || path === '') return ''
  const m = /^\/e\/([^/]+)(?:\/announce)?\/?$/.exec(path)
  const ns = m?.[1]
  return ns !== undefined && NAMESPACE_RE.test(ns) ? ns : undefined
}

/** Network-prefix locality of an address: `v4:<masked>` or `v6:<masked groups>`. */
export function ipLocality(ip: string, v4Bits: number, v6Bits: number): string {
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip)
  if (v4 !== null) {
    const n = ((Number(v4[1]) << 24) | (Number(v4[2]) << 16) | (Number(v4[3]) << 8) | Number(v4[4])) >>> 0
    const masked = v4Bits === 0 ? 0 : (n >>> (32 - v4Bits)) << (32 - v4Bits)
    return `v4:${(masked >>> 0).toString(16)}/${v4Bits}`
  }
  const [head = '', tail = ''] = ip.toLowerCase().split('::')
  const h = head === '' ? [] : head.split(':')
  const t = tail === '' ? [] : tail.split(':')
  const groups = ip.includes('::') ? [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h
  const keep = Math.floor(v6Bits / 16)
  return `v6:${groups.slice(0, keep).map((g) => parseInt(g, 16) || 0).join(':')}/${keep * 16}`
}

/**
 * The claims every admission token must carry, checked after its signature: a numeric `exp` at
 * most `maxLifetimeSec` ahead of now (and of `iat`, when present), so no token lives forever, and
 * an `event` equal to the connection's namespace, so no token opens every event. The shared
 * namespace ('') therefore admits no token.
 */
export function checkClaims(
  payload: Record<string, unknown>,
  namespace: string,
  nowSec: number,
  maxLifetimeSec: number,
): { ok: true } | { ok: false; code: AdmissionErrorCode } {
  const { exp, iat, event } = payload
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return { ok: false, code: 'TOKEN_INVALID' }
  if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat))) return { ok: false, code: 'TOKEN_INVALID' }
  if (exp - nowSec > maxLifetimeSec || (iat !== undefined && exp - iat > maxLifetimeSec)) return { ok: false, code: 'TOKEN_LIFETIME_TOO_LONG' }
  if (typeof event !== 'string' || event === '') return { ok: false, code: 'TOKEN_INVALID' }
  if (event !== namespace) return { ok: false, code: 'TOKEN_WRONG_EVENT' }
  return { ok: true }
}

/** Verifies admission tokens; built once from config. */
export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey | undefined

  constructor(private readonly config: TrackerConfig) {
    if (config.jwtJwksUrl !== '') this.key = createRemoteJWKSet(new URL(config.jwtJwksUrl))
    else if (config.jwtSecret !== '') this.key = new TextEncoder().encode(config.jwtSecret)
  }

  /** Whether a secret or JWKS is configured. */
  get configured(): boolean {
    return this.key !== undefined
  }

  /** Checks the signature (and `iss`, `aud`, `nbf`, expiry), then {@link checkClaims} against `namespace`. */
  async verify(token: string, namespace: string): Promise<{ ok: true } | { ok: false; code: AdmissionErrorCode }> {
    if (this.key === undefined) return { ok: false, code: 'TOKEN_INVALID' }
    const options = {
      algorithms: this.config.jwtJwksUrl !== '' ? ['RS256', 'ES256', 'EdDSA', 'PS256'] : ['HS256'],
      ...(this.config.jwtIssuer !== '' ? { issuer: this.config.jwtIssuer } : {}),
      ...(this.config.jwtAudience !== '' ? { audience: this.config.jwtAudience } : {}),
    }
    try {
      const { payload } =
        this.key instanceof Uint8Array ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options)
      return checkClaims(payload, namespace, Math.floor(Date.now() / 1000), this.config.jwtMaxLifetimeSec)
    } catch {
      return { ok: false, code: 'TOKEN_INVALID' }
    }
  }
}

// Compiled once per config object: admission runs on every upgrade.
const trustedByConfig = new WeakMap<readonly string[], (ip: string) => boolean>()

function trustedOf(config: TrackerConfig): (ip: string) => boolean {
  let trusted = trustedByConfig.get(config.trustedProxies)
  if (trusted === undefined) {
    trusted = compileTrustedProxies(config.trustedProxies)
    trustedByConfig.set(config.trustedProxies, trusted)
  }
  return trusted
}

/**
 * The synchronous checks: path, origin, locality. The forwarded address and the locality header
 * count only when the socket peer is a trusted proxy; otherwise a client could pick its own cell.
 */
export function admitSync(req: UpgradeRequest, config: TrackerConfig): Admission {
  const namespace = namespaceOf(req.path)
  if (namespace === undefined) return { ok: false, code: 'BAD_PATH' }
  if (!allowsAnyOrigin(config) && !config.allowedOrigins.includes(req.origin)) return { ok: false, code: 'ORIGIN_NOT_ALLOWED' }
  const trusted = trustedOf(config)
  const edge = trusted(req.remoteIp) ? req.localityHeader.trim().slice(0, 64) : ''
  const ip = clientAddress(req.remoteIp, req.forwardedFor, trusted)
  const locality = edge !== '' ? `h:${edge}` : ipLocality(ip, config.localityPrefixV4, config.localityPrefixV6)
  return { ok: true, namespace, locality }
}

/** Full admission: sync checks, then the token when one is given or required. */
export async function admit(req: UpgradeRequest, config: TrackerConfig, verifier: TokenVerifier): Promise<Admission> {
  const base = admitSync(req, config)
  if (!base.ok) return base
  const token = new URLSearchParams(req.query).get('token') ?? ''
  if (token === '' || !verifier.configured) return config.jwtRequired && token === '' ? { ok: false, code: 'TOKEN_REQUIRED' } : base
  const v = await verifier.verify(token, base.namespace)
  return v.ok ? base : v
}
