/** Stream keys from configuration, held in memory, with revocation. */
import type { KeyDecision, KeyStore, StreamTarget } from '../../contract.ts'

/** One configured stream key. */
export interface StreamKeyEntry {
  key: string
  event: string
  angle: string
  label?: string
}

/** In-memory key store; `revoke` makes later `authorize` calls answer REVOKED_KEY. */
export class MemoryKeyStore implements KeyStore {
  private readonly keys = new Map<string, { target: StreamTarget; label?: string }>()
  private readonly revoked = new Set<string>()

  constructor(entries: readonly StreamKeyEntry[] = []) {
    for (const e of entries) this.add(e)
  }

  /** Adds or replaces a key. */
  add(e: StreamKeyEntry): void {
    this.revoked.delete(e.key)
    this.keys.set(e.key, e.label === undefined ? { target: { event: e.event, angle: e.angle } } : { target: { event: e.event, angle: e.angle }, label: e.label })
  }

  /** Revokes a key; already-running publishers are not affected. */
  revoke(key: string): void {
    if (this.keys.delete(key)) this.revoked.add(key)
  }

  authorize(streamKey: string): Promise<KeyDecision> {
    const k = this.keys.get(streamKey)
    if (k !== undefined) return Promise.resolve(k.label === undefined ? { ok: true, target: k.target } : { ok: true, target: k.target, label: k.label })
    return Promise.resolve({ ok: false, reason: this.revoked.has(streamKey) ? 'REVOKED_KEY' : 'UNKNOWN_KEY' })
  }
}

/**
 * Asks several stores in order; the first `ok` wins, otherwise the first refusal other than
 * UNKNOWN_KEY (a revoked key, or a store that could not decide), else UNKNOWN_KEY. A store whose
 * promise rejects counts as KEY_STORE_UNAVAILABLE and the next store is still asked.
 */
export class ChainKeyStore implements KeyStore {
  constructor(private readonly stores: readonly KeyStore[]) {}

  async authorize(streamKey: string): Promise<KeyDecision> {
    let specific: KeyDecision | undefined
    for (const s of this.stores) {
      let d: KeyDecision
      try {
        d = await s.authorize(streamKey)
      } catch {
        d = { ok: false, reason: 'KEY_STORE_UNAVAILABLE' }
      }
      if (d.ok) return d
      if (d.reason !== 'UNKNOWN_KEY') specific ??= d
    }
    return specific ?? { ok: false, reason: 'UNKNOWN_KEY' }
  }
}
