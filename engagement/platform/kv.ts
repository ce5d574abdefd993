/** Result of a counting increment. */
export interface Counter {
  count: number
  /** Milliseconds until the counter resets. */
  ttlMs: number
}

/**
 * The key-value store for sessions, rate limits and fan-out: Redis when configured, else in-process.
 * Keys are prefixed by the implementation; callers pass bare keys.
 */
export interface Kv {
  get(key: string): Promise<string | null>
  /** Stores `value`, expiring after `ttlMs`. */
  set(key: string, value: string, ttlMs: number): Promise<void>
  del(key: string): Promise<void>
  /**
   * Compare-and-set, atomically: stores `value` (expiring after `ttlMs`) only when the key's string
   * value is `expected` (null = the key is absent); returns whether it did. For read-decide-write
   * loops (the sliding send windows) that must hold across instances.
   */
  compareAndSet(key: string, expected: string | null, value: string, ttlMs: number): Promise<boolean>
  /** Adds one; the first increment starts a window of `ttlMs`. */
  incr(key: string, ttlMs: number): Promise<Counter>
  /** Set operations for small per-user indexes; the whole set expires after `ttlMs`. */
  sAdd(key: string, member: string, ttlMs: number): Promise<void>
  sRem(key: string, member: string): Promise<void>
  sMembers(key: string): Promise<string[]>
  /**
   * Adds each delta to its hash field and returns the fields' new values; the first call starts a
   * window of `ttlMs` for the whole hash (batched per-account counters: one round trip per batch).
   */
  hIncrBy(key: string, deltas: Readonly<Record<string, number>>, ttlMs: number): Promise<Record<string, number>>
  /**
   * Raises each hash field to at least the given value (a field never goes down), atomically; the
   * hash expires `ttlMs` after the latest call. Grow-only counters merged from several writers.
   */
  hMax(key: string, fields: Readonly<Record<string, number>>, ttlMs: number): Promise<void>
  /** Every field of a hash with its value; empty when there is none. */
  hGetAll(key: string): Promise<Record<string, string>>
  publish(channel: string, message: string): Promise<void>
  /** Returns a function that stops the subscription. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>
  /**
   * Sharded pub/sub (Redis 7 SPUBLISH): the channel lives on one shard, so per-event channels
   * scale with the cluster instead of reaching every node. At-most-once, like {@link publish}.
   */
  sPublish(channel: string, message: string): Promise<void>
  /** SSUBSCRIBE counterpart of {@link sPublish}; returns a function that stops the subscription. */
  sSubscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>
  close(): Promise<void>
}

interface Entry {
  value: string | Set<string> | Map<string, number>
  expiresAtMs: number
}

/** In-process {@link Kv}; `now` is injectable so tests can move time. */
export function createMemoryKv(now: () => number = Date.now): Kv {
  const data = new Map<string, Entry>()
  const subs = new Map<string, Set<(m: string) => void>>()
  const shardedSubs = new Map<string, Set<(m: string) => void>>()
  const subscribeIn = (map: Map<string, Set<(m: string) => void>>, channel: string, onMessage: (m: string) => void): (() => Promise<void>) => {
    const set = map.get(channel) ?? new Set()
    map.set(channel, set)
    set.add(onMessage)
    return async () => {
      set.delete(onMessage)
      if (set.size === 0 && map.get(channel) === set) map.delete(channel)
    }
  }
  const live = (key: string): Entry | undefined => {
    const e = data.get(key)
    if (e === undefined) return undefined
    if (e.expiresAtMs <= now()) {
      data.delete(key)
      return undefined
    }
    return e
  }
  // Expired entries are also dropped lazily on read; this sweep bounds memory for keys never read again.
  const sweep = setInterval(() => {
    const t = now()
    for (const [k, e] of data) if (e.expiresAtMs <= t) data.delete(k)
  }, 60_000)
  sweep.unref()
  return {
    async get(key) {
      const e = live(key)
      return e !== undefined && typeof e.value === 'string' ? e.value : null
    },
    async set(key, value, ttlMs) {
      data.set(key, { value, expiresAtMs: now() + ttlMs })
    },
    async del(key) {
      data.delete(key)
    },
    async compareAndSet(key, expected, value, ttlMs) {
      const e = live(key)
      const cur = e === undefined ? null : typeof e.value === 'string' ? e.value : undefined
      if (cur !== expected) return false
      data.set(key, { value, expiresAtMs: now() + ttlMs })
      return true
    },
    async incr(key, ttlMs) {
      const e = live(key)
      if (e === undefined || typeof e.value !== 'string') {
        data.set(key, { value: '1', expiresAtMs: now() + ttlMs })
        return { count: 1, ttlMs }
      }
      const count = Number(e.value) + 1
      e.value = String(count)
      return { count, ttlMs: e.expiresAtMs - now() }
    },
    async sAdd(key, member, ttlMs) {
      const e = live(key)
      if (e !== undefined && e.value instanceof Set) {
        e.value.add(member)
        e.expiresAtMs = Math.max(e.expiresAtMs, now() + ttlMs)
      } else data.set(key, { value: new Set([member]), expiresAtMs: now() + ttlMs })
    },
    async sRem(key, member) {
      const e = live(key)
      if (e !== undefined && e.value instanceof Set) e.value.delete(member)
    },
    async sMembers(key) {
      const e = live(key)
      return e !== undefined && e.value instanceof Set ? [...e.value] : []
    },
    async hIncrBy(key, deltas, ttlMs) {
      const e = live(key)
      const h = e?.value instanceof Map ? e.value : new Map<string, number>()
      if (e?.value !== h) data.set(key, { value: h, expiresAtMs: now() + ttlMs })
      const out: Record<string, number> = {}
      for (const [f, d] of Object.entries(deltas)) {
        const v = (h.get(f) ?? 0) + d
        h.set(f, v)
        out[f] = v
      }
      return out
    },
    async hMax(key, fields, ttlMs) {
      const e = live(key)
      const h = e?.value instanceof Map ? e.value : new Map<string, number>()
      data.set(key, { value: h, expiresAtMs: now() + ttlMs })
      for (const [f, v] of Object.entries(fields)) h.set(f, Math.max(h.get(f) ?? v, v))
    },
    async hGetAll(key) {
      const e = live(key)
      return e?.value instanceof Map ? Object.fromEntries([...e.value].map(([f, v]) => [f, String(v)])) : {}
    },
    async publish(channel, message) {
      for (const fn of subs.get(channel) ?? []) fn(message)
    },
    async subscribe(channel, onMessage) {
      return subscribeIn(subs, channel, onMessage)
    },
    async sPublish(channel, message) {
      for (const fn of [...(shardedSubs.get(channel) ?? [])]) fn(message)
    },
    async sSubscribe(channel, onMessage) {
      return subscribeIn(shardedSubs, channel, onMessage)
    },
    async close() {
      clearInterval(sweep)
      data.clear()
      subs.clear()
      shardedSubs.clear()
    },
  }
}
