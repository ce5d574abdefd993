import { describe, it, expect, afterAll } from 'vitest'
import { randomBytes } from 'node:crypto'
import { createMemoryKv, type Kv } from '../platform/kv.ts'
import { createRedisKv } from '../platform/kv-redis.ts'
import { dropKvPrefix } from '../test-support.ts'
import { LoginSessions } from './login-sessions.ts'

const POLICY = { sessionIdleSec: 60, sessionAbsoluteSec: 3600, rememberIdleSec: 600, rememberAbsoluteSec: 86_400, rememberRotateSec: 120 }
const redisUrl = process.env.REDIS_URL ?? ''
const prefix = `test:${randomBytes(6).toString('hex')}:`

describe(`LoginSessions per-user index (${redisUrl === '' ? 'memory' : 'redis'})`, async () => {
  let t = Date.UTC(2026, 0, 1)
  const now = (): number => t
  // Redis expires keys on its own clock, so expiry must also be judged from the records themselves.
  const kv: Kv = redisUrl === '' ? createMemoryKv(now) : await createRedisKv(redisUrl, prefix)
  const sessions = new LoginSessions(kv, POLICY, now)
  afterAll(async () => {
    await kv.close()
    await dropKvPrefix(redisUrl, prefix)
  })

  it('many logins whose sessions expire keep the index bounded without ever listing', async () => {
    for (let i = 0; i < 150; i++) {
      await sessions.create('u1', { remember: false, mfaAtMs: 0, ip: '10.0.0.1', userAgent: 'test' })
      t += 61_000 // past the idle timeout: the previous session is dead
    }
    expect((await kv.sMembers('usess:u1')).length).toBeLessThanOrEqual(2)
  })

  it('rotation drops expired ids too, and live sessions are kept', async () => {
    const live = await sessions.create('u2', { remember: true, mfaAtMs: 0, ip: '10.0.0.1', userAgent: 'test' })
    for (let i = 0; i < 8; i++) {
      await sessions.create('u2', { remember: false, mfaAtMs: 0, ip: '10.0.0.1', userAgent: 'test' })
      t += 61_000
    }
    const before = (await kv.sMembers('usess:u2')).length
    expect(before).toBeGreaterThan(1)
    const loaded = await sessions.load(live.id)
    expect(loaded).not.toBeNull()
    const rotated = await sessions.rotate(loaded?.hash ?? '', loaded?.record ?? live.record, { mfaAtMs: t })
    expect(await kv.sMembers('usess:u2')).toEqual([rotated.hash])
    expect((await sessions.list('u2')).map((s) => s.hash)).toEqual([rotated.hash])
  })
})
