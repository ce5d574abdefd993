/**
 * Client for the engagement API's account and console routes. Keeps the CSRF token from
 * `me`/login/step-up answers and, when an action answers STEP_UP_REQUIRED, asks the registered
 * step-up handler (the StepUpDialog) for a fresh second factor, then retries the original request once.
 * The wire shapes are the server's own (common/wire/), imported type-only: nothing of the server reaches the bundle.
 */
import type { ChallengeSolution, LoginChallenge, LoginRequest, LoginSessionView, MeView, StepUpChallenge, TotpEnrollment } from '../../../common/wire/accounts.ts'
import type { ErrorBody } from '../../../common/wire/errors.ts'
import type { EventView } from '../../../common/wire/events.ts'
import type { StreamKeyView } from '../../../common/wire/keys.ts'

export type { ChallengeSolution, ErrorBody, EventView, LoginChallenge, LoginSessionView, MeView, StepUpChallenge, StreamKeyView, TotpEnrollment }

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

/** Outcome of a call: data or a typed error, never a throw for HTTP failures. */
export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; error: ErrorBody }

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'
/** Asked for a fresh second factor; resolves true when the user completed step-up. */
export type StepUpHandler = (challenge: StepUpChallenge) => Promise<boolean>

const NETWORK_ERROR: ErrorBody = { error: 'NETWORK', message: '' }

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
    const error: ErrorBody =
      data !== null && typeof (data as ErrorBody).error === 'string' ? (data as ErrorBody) : { error: 'HTTP_' + String(res.status), message: '' }
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

  me(): Promise<ApiResult<MeView>> {
    return this.request<MeView>('GET', '/api/auth/me')
  }
  register(email: string, password: string): Promise<ApiResult<{ ok: boolean; message: string }>> {
    return this.request('POST', '/api/auth/register', { email, password })
  }
  login(input: LoginRequest): Promise<ApiResult<MeView>> {
    return this.request<MeView>('POST', '/api/auth/login', input)
  }
  async logout(): Promise<ApiResult<{ ok: boolean }>> {
    const r = await this.request<{ ok: boolean }>('POST', '/api/auth/logout')
    this.csrfToken = ''
    return r
  }
  enrollTotp(): Promise<ApiResult<TotpEnrollment>> {
    return this.request<TotpEnrollment>('POST', '/api/auth/totp/enroll')
  }
  confirmTotp(totpCode: string): Promise<ApiResult<MeView>> {
    return this.request<MeView>('POST', '/api/auth/totp/confirm', { totpCode })
  }
  stepUp(factor: { totpCode: string } | { recoveryCode: string }): Promise<ApiResult<MeView>> {
    return this.request<MeView>('POST', '/api/auth/step-up', factor, false)
  }
  listSessions(): Promise<ApiResult<{ sessions: LoginSessionView[] }>> {
    return this.request('GET', '/api/sessions')
  }
  revokeSession(id: string): Promise<ApiResult<{ ok: boolean }>> {
    return this.request('DELETE', `/api/sessions/${encodeURIComponent(id)}`)
  }
  getEvent(eventId: string): Promise<ApiResult<EventView>> {
    return this.request('GET', `/api/events/${encodeURIComponent(eventId)}`)
  }
  listStreamKeys(eventId: string): Promise<ApiResult<{ keys: StreamKeyView[] }>> {
    return this.request('GET', `/api/events/${encodeURIComponent(eventId)}/stream-keys`)
  }
  createStreamKey(eventId: string, angle: string, label: string): Promise<ApiResult<{ key: StreamKeyView; streamKey: string; revokedIds: string[] }>> {
    return this.request('POST', `/api/events/${encodeURIComponent(eventId)}/stream-keys`, { angle, label })
  }
  revealStreamKey(eventId: string, keyId: string): Promise<ApiResult<{ key: StreamKeyView; streamKey: string }>> {
    return this.request('POST', `/api/events/${encodeURIComponent(eventId)}/stream-keys/${encodeURIComponent(keyId)}/reveal`)
  }
  revokeStreamKey(eventId: string, keyId: string): Promise<ApiResult<{ ok: boolean }>> {
    return this.request('DELETE', `/api/events/${encodeURIComponent(eventId)}/stream-keys/${encodeURIComponent(keyId)}`)
  }
  startStream(eventId: string): Promise<ApiResult<{ event: EventView }>> {
    return this.request('POST', `/api/events/${encodeURIComponent(eventId)}/start`)
  }
  endStream(eventId: string): Promise<ApiResult<{ event: EventView; originStopped: boolean }>> {
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
