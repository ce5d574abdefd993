import { Redis } from 'ioredis'
import type { Kv } from './kv.ts'

// KEYS[1] the hash; ARGV field, value, field, value, …, ttl ms. A field only ever rises.
const HMAX_SCRIPT = `for i = 1, #ARGV - 1, 2 do
  local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[i]))
  if cur == nil or cur < tonumber(ARGV[i + 1]) then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[#ARGV])
return 1`

// KEYS[1]; ARGV has-expected (0/1), expected, value, ttl ms. Sets only when the current value is the expected one.
const CAS_SCRIPT = `local cur = redis.call('GET', KEYS[1])
if (ARGV[1] == '0' and cur == false) or (ARGV[1] == '1' and cur == ARGV[2]) then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
  return 1
end
return 0`

/** {@link Kv} on Redis; every key gets `prefix`. A second connection is opened on first subscribe. */
export async function createRedisKv(url: string, prefix: string): Promise<Kv> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 })
  // Connection errors surface on the failing command; the event itself must not crash the process.
  redis.on('error', () => undefined)
  await redis.connect()
  let sub: Redis | undefined
  let ssub: Redis | undefined
  const handlers = new Map<string, Set<(m: string) => void>>()
  const shardedHandlers = new Map<string, Set<(m: string) => void>>()
  const k = (key: string): string => prefix + key
  return {
    async get(key) {
      return redis.get(k(key))
    },
    async set(key, value, ttlMs) {
      await redis.set(k(key), value, 'PX', Math.max(1, Math.ceil(ttlMs)))
    },
    async del(key) {
      await redis.del(k(key))
    },
    async compareAndSet(key, expected, value, ttlMs) {
      const r = await redis.eval(CAS_SCRIPT, 1, k(key), expected === null ? '0' : '1', expected ?? '', value, String(Math.max(1, Math.ceil(ttlMs))))
      return Number(r) === 1
    },
    async incr(key, ttlMs) {
      const res = await redis
        .multi()
        .incr(k(key))
        .pexpire(k(key), Math.max(1, Math.ceil(ttlMs)), 'NX')
        .pttl(k(key))
        .exec()
      const count = Number(res?.[0]?.[1] ?? 0)
      const ttl = Number(res?.[2]?.[1] ?? ttlMs)
      return { count, ttlMs: ttl > 0 ? ttl : ttlMs }
    },
    async sAdd(key, member, ttlMs) {
      await redis
        .multi()
        .sadd(k(key), member)
        .pexpire(k(key), Math.max(1, Math.ceil(ttlMs)), 'GT')
        .pexpire(k(key), Math.max(1, Math.ceil(ttlMs)), 'NX')
        .exec()
    },
    async sRem(key, member) {
      await redis.srem(k(key), member)
    },
    async sMembers(key) {
      return redis.smembers(k(key))
    },
    async hIncrBy(key, deltas, ttlMs) {
      const fields = Object.keys(deltas)
      if (fields.length === 0) return {}
      const m = redis.multi()
      for (const f of fields) m.hincrby(k(key), f, deltas[f] ?? 0)
      const res = await m.pexpire(k(key), Math.max(1, Math.ceil(ttlMs)), 'NX').exec()
      const out: Record<string, number> = {}
      for (const [i, f] of fields.entries()) {
        const [err, v] = res?.[i] ?? [new Error('no reply'), null]
        if (err !== null) throw err
        out[f] = Number(v)
      }
      return out
    },
    async hMax(key, fields, ttlMs) {
      const args = Object.entries(fields).flatMap(([f, v]) => [f, String(v)])
      if (args.length === 0) return
      await redis.eval(HMAX_SCRIPT, 1, k(key), ...args, String(Math.max(1, Math.ceil(ttlMs))))
    },
    async hGetAll(key) {
      return redis.hgetall(k(key))
    },
    async publish(channel, message) {
      await redis.publish(k(channel), message)
    },
    async subscribe(channel, onMessage) {
      if (sub === undefined) {
        sub = redis.duplicate()
        sub.on('error', () => undefined)
        sub.on('message', (ch: string, msg: string) => {
          for (const fn of handlers.get(ch) ?? []) fn(msg)
        })
      }
      const s = sub
      const set = handlers.get(k(channel)) ?? new Set()
      handlers.set(k(channel), set)
      set.add(onMessage)
      if (set.size === 1) await s.subscribe(k(channel))
      return async () => {
        set.delete(onMessage)
        if (set.size === 0) {
          handlers.delete(k(channel))
          await s.unsubscribe(k(channel))
        }
      }
    },
    async sPublish(channel, message) {
      await redis.spublish(k(channel), message)
    },
    async sSubscribe(channel, onMessage) {
      // Its own connection: a sharded subscriber follows its channels' slots (MOVED) on a cluster.
      if (ssub === undefined) {
        ssub = redis.duplicate()
        ssub.on('error', () => undefined)
        ssub.on('smessage', (ch: string, msg: string) => {
          for (const fn of shardedHandlers.get(ch) ?? []) fn(msg)
        })
      }
      const s = ssub
      const set = shardedHandlers.get(k(channel)) ?? new Set()
      shardedHandlers.set(k(channel), set)
      set.add(onMessage)
      if (set.size === 1) await s.ssubscribe(k(channel))
      return async () => {
        set.delete(onMessage)
        if (set.size === 0 && shardedHandlers.get(k(channel)) === set) {
          shardedHandlers.delete(k(channel))
          await s.sunsubscribe(k(channel))
        }
      }
    },
    async close() {
      await Promise.all([redis.quit(), sub?.quit(), ssub?.quit()])
    },
  }
}
