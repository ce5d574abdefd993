import type { KeyDecision, KeyStore } from '../../origin/contract.ts'

/**
 * A {@link KeyStore} for the origin backed by this service's
 * `POST /api/internal/stream-keys/authorize`. Fails closed: any transport problem refuses the key.
 */
export function createEngagementKeyStore(opts: { baseUrl: string; internalToken: string; timeoutMs?: number }): KeyStore {
  return {
    async authorize(streamKey) {
      try {
        const res = await fetch(new URL('/api/internal/stream-keys/authorize', opts.baseUrl), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.internalToken}` },
          body: JSON.stringify({ streamKey }),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 2000),
        })
        if (!res.ok) {
          await res.body?.cancel()
          return { ok: false, reason: 'UNKNOWN_KEY' }
        }
        return (await res.json()) as KeyDecision
      } catch {
        return { ok: false, reason: 'UNKNOWN_KEY' }
      }
    },
  }
}
