/**
 * Client for the engagement API's account and console routes. Keeps the CSRF token from
 * `me`/login/step-up answers and, when an action answers STEP_UP_REQUIRED, asks the registered
 * step-up handler (the StepUpDialog) for a fresh second factor, then retries the original request once.
 */
import type { StreamKeyInfo } from '../../../engagement/events/stream-keys.ts'

/** The step-up challenge the server attaches to STEP_UP_REQUIRED. */
export interface StepUpChallenge {
  endpoint: string
  methods: string[]
  maxAgeSec: number
}

/** The proof-of-work challenge attached to CHALLENGE_REQUIRED (a sign-in on an account under attack). */
export interface LoginChallenge {
  challengeId: string
  /** Leading zero bits SHA-256(`${challengeId}:${nonce}`) must have. */
  difficulty: number
  algorithm: string
  expiresInSec: number
}

/** A solved challenge, sent back with the retried sign-in. */
export interface ChallengeSolution {
  challengeId: string
  nonce: string
}

function leadingZeroBits(bytes: Uint8Array): number {
  let n = 0
  for (const b of bytes) {
    if (b !== 0) return n + Math.clz32(b) - 24
    n += 8
  }
  return n
}

/**
 * Finds the nonce of a sign-in challenge with WebCrypto SHA-256, in batches so the page stays
 * responsive. Null for an unknown algorithm or when nothing is found within 2^26 tries.
 */
export async function solveChallenge(c: LoginChallenge, batch = 512): Promise<ChallengeSolution | null> {
  if (c.algorithm !== 'sha256-leading-zero-bits' || c.difficulty > 30) return null
  const enc = new TextEncoder()
  for (let start = 0; start < 2 ** 26; start += batch) {
    const nonces = Array.from({ length: batch }, (_, i) => String(start + i))
    const digests = await Promise.all(nonces.map((n) => crypto.subtle.digest('SHA-256', enc.encode(`${c.challengeId}:${n}`))))
    const hit = digests.findIndex((d) => leadingZeroBits(new Uint8Array(d)) >= c.difficulty)
    const nonce = nonces[hit]
    if (nonce !== undefined) return { challengeId: c.challengeId, nonce }
  }
  return null
}

/** Error body of every failed call. */
export interface ApiErrorBody {
  /** Machine-readable code; the pages show `errorMessage(code)` from client/src/i18n/errors.ts. */
  error: string
  /** Developer text from the server (English, never shown); empty for client-side failures. */
  message: string
  stepUp?: StepUpChallenge
  retryAfterSec?: number
  challenge?: LoginChallenge
}

/** Outcome of a call: data or a typed error, never a throw for HTTP failures. */
export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; error: ApiErrorBody }

export interface UserInfo {
  id: string
  email: string
  isAdmin: boolean
  totpEnabled: boolean
  recoveryCodesLeft: number
  roles: { eventId: string; role: string }[]
}
export interface SessionInfo {
  id: string
  current: boolean
  createdAt: string
  lastSeenAt: string
  expiresAt: string
  remember: boolean
  ip: string
  userAgent: string
}
export interface Me {
  user: UserInfo
  session: SessionInfo
  csrfToken: string
  stepUpValidUntil: string | null
}
export interface EventInfo {
  id: string
  title: string
  description: string
  startsAt: string | null
  free: boolean
  status: 'scheduled' | 'live' | 'ended'
}
/** The server's wire type, shared (type-only import: no server code reaches the bundle). */
export type { StreamKeyInfo }
export interface Enrollment {
  otpauthUrl: string
  qrDataUrl: string
  secret: string
  recoveryCodes: string[]
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'
/** Asked for a fresh second factor; resolves true when the user completed step-up. */
export type StepUpHandler = (challenge: StepUpChallenge) => Promise<boolean>

const NETWORK_ERROR: ApiErrorBody = { error: 'NETWORK', message: '' }

/** The account API client; one shared instance, {@link api}, is used by the pages. */
export class AccountApi {
  csrfToken = ''
  private stepUpHandler: StepUpHandler | null = null

  constructor(private readonly baseUrl = '') {}

  /** The StepUpDialog registers itself here while mounted. */
  setStepUpHandler(fn: StepUpHandler | null): void {
    this.stepUpHandler = fn
  }

  async request<T>(method: Method, path: string, body?: unknown, retryStepUp = true): Promise<ApiResult<T>> {
    if (method !== 'GET' && this.csrfToken === '' && !path.startsWith('/api/auth/login') && !path.startsWith('/api/auth/register')) {
      await this.me()
    }
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (method !== 'GET' && this.csrfToken !== '') headers['x-csrf-token'] = this.csrfToken
    let res: Response
    try {
      res = await fetch(this.baseUrl + path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) })
    } catch {
      return { ok: false, status: 0, error: NETWORK_ERROR }
    }
    // Non-JSON bodies (a proxy's error page) become null and are reported by status.
    const data: unknown = await res.json().catch(() => null)
    if (res.ok) {
      const token = (data as { csrfToken?: unknown } | null)?.csrfToken
      if (typeof token === 'string') this.csrfToken = token
      return { ok: true, status: res.status, data: data as T }
    }
    const error: ApiErrorBody =
      data !== null && typeof (data as ApiErrorBody).error === 'string' ? (data as ApiErrorBody) : { error: 'HTTP_' + String(res.status), message: '' }
    if (error.error === 'STEP_UP_REQUIRED' && retryStepUp && this.stepUpHandler !== null && error.stepUp !== undefined) {
      const done = await this.stepUpHandler(error.stepUp)
      if (done) return this.request<T>(method, path, body, false)
    }
    if (error.error === 'CSRF_TOKEN_INVALID' && retryStepUp) {
      await this.me()
      return this.request<T>(method, path, body, false)
    }
    return { ok: false, status: res.status, error }
  }

  me(): Promise<ApiResult<Me>> {
    return this.request<Me>('GET', '/api/auth/me')
  }
  register(email: string, password: string): Promise<ApiResult<{ ok: boolean; message: string }>> {
    return this.request('POST', '/api/auth/register', { email, password })
  }
  login(input: { email: string; password: string; remember?: boolean; totpCode?: string; recoveryCode?: string; challenge?: ChallengeSolution }): Promise<ApiResult<Me>> {
    return this.request<Me>('POST', '/api/auth/login', input)
  }
  async logout(): Promise<ApiResult<{ ok: boolean }>> {
    const r = await this.request<{ ok: boolean }>('POST', '/api/auth/logout')
    this.csrfToken = ''
    return r
  }
  enrollTotp(): Promise<ApiResult<Enrollment>> {
    return this.request<Enrollment>('POST', '/api/auth/totp/enroll')
  }
  confirmTotp(totpCode: string): Promise<ApiResult<Me>> {
    return this.request<Me>('POST', '/api/auth/totp/confirm', { totpCode })
  }
  stepUp(factor: { totpCode: string } | { recoveryCode: string }): Promise<ApiResult<Me>> {
    return this.request<Me>('POST', '/api/auth/step-up', factor, false)
  }
  listSessions(): Promise<ApiResult<{ sessions: SessionInfo[] }>> {
    return this.request('GET', '/api/sessions')
  }
  revokeSession(id: string): Promise<ApiResult<{ ok: boolean }>> {
    return this.request('DELETE', `/api/sessions/${encodeURIComponent(id)}`)
  }
  getEvent(eventId: string): Promise<ApiResult<EventInfo>> {
    return this.request('GET', `/api/events/${encodeURIComponent(eventId)}`)
  }
  listStreamKeys(eventId: string): Promise<ApiResult<{ keys: StreamKeyInfo[] }>> {
    return this.request('GET', `/api/events/${encodeURIComponent(eventId)}/stream-keys`)
  }
  createStreamKey(eventId: string, angle: string, label: string): Promise<ApiResult<{ key: StreamKeyInfo; streamKey: string; revokedIds: string[] }>> {
    return this.request('POST', `/api/events/${encodeURIComponent(eventId)}/stream-keys`, { angle, label })
  }
  revealStreamKey(eventId: string, keyId: string): Promise<ApiResult<{ key: StreamKeyInfo; streamKey: string }>> {
    return this.request('POST', `/api/events/${encodeURIComponent(eventId)}/stream-keys/${encodeURIComponent(keyId)}/reveal`)
  }
  revokeStreamKey(eventId: string, keyId: string): Promise<ApiResult<{ ok: boolean }>> {
    return this.request('DELETE', `/api/events/${encodeURIComponent(eventId)}/stream-keys/${encodeURIComponent(keyId)}`)
  }
  startStream(eventId: string): Promise<ApiResult<{ event: EventInfo }>> {
    return this.request('POST', `/api/events/${encodeURIComponent(eventId)}/start`)
  }
  endStream(eventId: string): Promise<ApiResult<{ event: EventInfo; originStopped: boolean }>> {
    return this.request('POST', `/api/events/${encodeURIComponent(eventId)}/end`)
  }
}

/** The shared client the pages use. */
export const api = new AccountApi()

/** In-app navigation the router follows (it listens to popstate). */
export function navigate(path: string): void {
  history.pushState(null, '', path)
  window.dispatchEvent(new PopStateEvent('popstate'))
}
