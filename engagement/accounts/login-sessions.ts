import type { Kv } from '../platform/kv.ts'
import { randomToken, sha256 } from '../platform/crypto.ts'

/** Lifetimes, in seconds, from the service configuration. */
export interface LoginSessionPolicy {
  sessionIdleSec: number
  sessionAbsoluteSec: number
  rememberIdleSec: number
  rememberAbsoluteSec: number
  rememberRotateSec: number
}

/** What the server keeps per session; the cookie holds only the opaque id, stored here hashed. */
export interface LoginSessionRecord {
  userId: string
  createdAtMs: number
  lastSeenAtMs: number
  absoluteExpiresAtMs: number
  /** "Keep me signed in": longer lifetime and a rotating id. */
  remember: boolean
  /** When the current id was issued (rotation). */
  idIssuedAtMs: number
  /** Last second-factor proof in this session, 0 if none. */
  mfaAtMs: number
  /** Synchronizer CSRF token bound to this session. */
  csrf: string
  ip: string
  userAgent: string
}

/** A loaded session: its public id (the hash) and, when it was rotated, the new cookie value. */
export interface LoadedLoginSession {
  hash: string
  record: LoginSessionRecord
  /** Set when the id was rotated during this load; the caller must send the new cookie. */
  newId?: string
}

// Requests racing a rotation still carry the old id for a moment; it stays valid this long.
const ROTATION_GRACE_MS = 30_000

const sessKey = (hash: string): string => `sess:${hash}`
const userKey = (userId: string): string => `usess:${userId}`

/** Session store over the kv store, with an injectable clock. */
export class LoginSessions {
  constructor(
    private readonly kv: Kv,
    private readonly policy: LoginSessionPolicy,
    private readonly now: () => number,
  ) {}

  private ttlMs(r: LoginSessionRecord): number {
    const idle = (r.remember ? this.policy.rememberIdleSec : this.policy.sessionIdleSec) * 1000
    return Math.max(1, Math.min(idle, r.absoluteExpiresAtMs - this.now()))
  }

  private async save(hash: string, r: LoginSessionRecord): Promise<void> {
    await this.kv.set(sessKey(hash), JSON.stringify(r), this.ttlMs(r))
    await this.kv.sAdd(userKey(r.userId), hash, this.policy.rememberAbsoluteSec * 1000)
  }

  /** Starts a session; returns the cookie value (never stored) and the record. */
  async create(userId: string, opts: { remember: boolean; mfaAtMs: number; ip: string; userAgent: string }): Promise<{ id: string; hash: string; record: LoginSessionRecord }> {
    const t = this.now()
    const abs = (opts.remember ? this.policy.rememberAbsoluteSec : this.policy.sessionAbsoluteSec) * 1000
    const record: LoginSessionRecord = {
      userId,
      createdAtMs: t,
      lastSeenAtMs: t,
      absoluteExpiresAtMs: t + abs,
      remember: opts.remember,
      idIssuedAtMs: t,
      mfaAtMs: opts.mfaAtMs,
      csrf: randomToken(24),
      ip: opts.ip,
      userAgent: opts.userAgent.slice(0, 200),
    }
    const id = randomToken(32)
    const hash = sha256(id)
    await this.save(hash, record)
    await this.prune(userId, hash)
    return { id, hash, record }
  }

  /** Looks a cookie value up, enforcing idle and absolute timeouts; touches and maybe rotates it. */
  async load(id: string): Promise<LoadedLoginSession | null> {
    if (id.length < 20 || id.length > 100) return null
    const hash = sha256(id)
    const raw = await this.kv.get(sessKey(hash))
    if (raw === null) return null
    const record = JSON.parse(raw) as LoginSessionRecord
    const t = this.now()
    if (this.expired(record)) {
      await this.destroy(hash, record.userId)
      return null
    }
    record.lastSeenAtMs = t
    if (record.remember && t - record.idIssuedAtMs >= this.policy.rememberRotateSec * 1000) {
      const next = await this.rotate(hash, record, {})
      return { hash: next.hash, record: next.record, newId: next.id }
    }
    await this.save(hash, record)
    return { hash, record }
  }

  /**
   * Looks a cookie value up without touching or rotating it (the real-time gateway's upgrade: it
   * cannot send the browser a rotated cookie, and a socket does not count as activity).
   */
  async peek(id: string): Promise<LoadedLoginSession | null> {
    if (id.length < 20 || id.length > 100) return null
    const hash = sha256(id)
    const raw = await this.kv.get(sessKey(hash))
    if (raw === null) return null
    const record = JSON.parse(raw) as LoginSessionRecord
    return this.expired(record) ? null : { hash, record }
  }

  /** Issues a new id for the same session (login, step-up, remember rotation); the old id stops working. */
  async rotate(hash: string, record: LoginSessionRecord, patch: Partial<LoginSessionRecord>): Promise<{ id: string; hash: string; record: LoginSessionRecord }> {
    const next: LoginSessionRecord = { ...record, ...patch, idIssuedAtMs: this.now() }
    const id = randomToken(32)
    const nextHash = sha256(id)
    await this.save(nextHash, next)
    await this.kv.sRem(userKey(record.userId), hash)
    // Only a background rotation keeps the old id briefly; step-up must invalidate it at once.
    if (Object.keys(patch).length === 0) await this.kv.set(sessKey(hash), JSON.stringify({ ...record, remember: false, absoluteExpiresAtMs: this.now() + ROTATION_GRACE_MS }), ROTATION_GRACE_MS)
    else await this.kv.del(sessKey(hash))
    await this.prune(record.userId, nextHash)
    return { id, hash: nextHash, record: next }
  }

  /** Stores changes to a session without changing its id. */
  async update(hash: string, record: LoginSessionRecord): Promise<void> {
    await this.save(hash, record)
  }

  /** Ends one session. */
  async destroy(hash: string, userId: string): Promise<void> {
    await this.kv.del(sessKey(hash))
    await this.kv.sRem(userKey(userId), hash)
  }

  private expired(r: LoginSessionRecord): boolean {
    const idleMs = (r.remember ? this.policy.rememberIdleSec : this.policy.sessionIdleSec) * 1000
    const t = this.now()
    return t >= r.absoluteExpiresAtMs || t - r.lastSeenAtMs >= idleMs
  }

  /**
   * The user's live sessions; ids whose session is gone or expired are dropped from the index on
   * the way, so the index stays bounded by the live sessions whether or not anyone lists it.
   */
  private async prune(userId: string, skipHash = ''): Promise<{ hash: string; record: LoginSessionRecord }[]> {
    const out: { hash: string; record: LoginSessionRecord }[] = []
    for (const hash of await this.kv.sMembers(userKey(userId))) {
      if (hash === skipHash) continue
      const raw = await this.kv.get(sessKey(hash))
      const record = raw === null ? null : (JSON.parse(raw) as LoginSessionRecord)
      // Judged from the record too: the kv's own expiry (Redis) runs on another clock than ours.
      if (record === null || this.expired(record)) {
        await this.destroy(hash, userId)
        continue
      }
      out.push({ hash, record })
    }
    return out
  }

  /** The user's live sessions, by public id (hash). */
  async list(userId: string): Promise<{ hash: string; record: LoginSessionRecord }[]> {
    return (await this.prune(userId)).sort((a, b) => b.record.lastSeenAtMs - a.record.lastSeenAtMs)
  }

  /** Ends every session of a user except `keepHash` (e.g. after a password or 2FA change). */
  async destroyAll(userId: string, keepHash = ''): Promise<void> {
    for (const hash of await this.kv.sMembers(userKey(userId))) if (hash !== keepHash) await this.destroy(hash, userId)
  }
}
