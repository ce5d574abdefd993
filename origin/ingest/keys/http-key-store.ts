/**
 * Stream keys checked by the engagement service:
 * `POST <engagementUrl>/api/internal/stream-keys/authorize` with a bearer token and `{ streamKey }`,
 * answered with a {@link KeyDecision}. Any failure refuses the key (fails closed): a refusal status
 * without a decision body as UNKNOWN_KEY; a transport error, timeout, 5xx or unreadable body as
 * KEY_STORE_UNAVAILABLE.
 */
import type { KeyDecision, KeyStore, PublishRefusal } from '../../contract.ts'
import { KEY_REFUSALS } from '../../../common/wire/keys.ts'
import { isName } from '../../../common/wire/names.ts'

/** Where and how to ask. */
export interface HttpKeyStoreOptions {
  engagementUrl: string
  internalToken: string
  timeoutMs?: number
  fetch?: typeof fetch
}

// The engagement service's refusals (common/wire/keys.ts); KEY_STORE_UNAVAILABLE is the origin's own.
const REASONS: readonly PublishRefusal[] = KEY_REFUSALS
const UNAVAILABLE: KeyDecision = { ok: false, reason: 'KEY_STORE_UNAVAILABLE' }

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** Validates an untrusted decision body. */
export function parseKeyDecision(body: unknown): KeyDecision | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const b = body as Record<string, unknown>
  if (b.ok === false) return REASONS.includes(b.reason as PublishRefusal) ? { ok: false, reason: b.reason as PublishRefusal } : undefined
  if (b.ok !== true || typeof b.target !== 'object' || b.target === null) return undefined
  const t = b.target as Record<string, unknown>
  if (!isName(t.event) || !isName(t.angle)) return undefined
  const target = { event: t.event, angle: t.angle }
  return typeof b.label === 'string' ? { ok: true, target, label: b.label.slice(0, 100) } : { ok: true, target }
}

/** Key store backed by the engagement service's internal API. */
export class HttpKeyStore implements KeyStore {
  private readonly url: string
  constructor(private readonly o: HttpKeyStoreOptions) {
    this.url = `${o.engagementUrl.replace(/\/+$/, '')}/api/internal/stream-keys/authorize`
  }

  async authorize(streamKey: string): Promise<KeyDecision> {
    const f = this.o.fetch ?? fetch
    try {
      const res = await f(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.o.internalToken}` },
        body: JSON.stringify({ streamKey }),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 3000),
      })
      const text = await res.text()
      if (res.status >= 500) return UNAVAILABLE
      if (!res.ok && res.status !== 403 && res.status !== 404) return { ok: false, reason: 'UNKNOWN_KEY' }
      const decision = parseKeyDecision(parseJson(text.slice(0, 4096)))
      if (decision !== undefined) return decision
      return res.ok ? UNAVAILABLE : { ok: false, reason: 'UNKNOWN_KEY' }
    } catch {
      // Connection refused or reset, timeout, aborted body.
      return UNAVAILABLE
    }
  }
}
