import { describe, it, expect, afterAll } from 'vitest'
import { randomBytes } from 'node:crypto'
import { createMemoryKv, type Kv } from './kv.ts'
import { createRedisKv } from './kv-redis.ts'
import { dropKvPrefix } from '../test-support.ts'

const redisUrl = process.env.REDIS_URL ?? ''
const impls: [string, () => Promise<Kv>][] = [['memory', async () => createMemoryKv()]]
const prefix = `test:kv:${randomBytes(4).toString('hex')}:`
if (redisUrl !== '') impls.push(['redis', () => createRedisKv(redisUrl, prefix)])

describe.each(impls)('Kv (%s)', async (_name, make) => {
  const kv = await make()
  afterAll(async () => {
    await kv.close()
    await dropKvPrefix(redisUrl, prefix)
  })

  it('get/set/del with TTL', async () => {
    expect(await kv.get('a')).toBeNull()
    await kv.set('a', 'x', 60_000)
    expect(await kv.get('a')).toBe('x')
    await kv.set('short', 'y', 30)
    await new Promise((r) => setTimeout(r, 80))
    expect(await kv.get('short')).toBeNull()
    await kv.del('a')
    expect(await kv.get('a')).toBeNull()
  })

  it('compareAndSet stores only over the expected value (null = absent), and with a TTL', async () => {
    expect(await kv.compareAndSet('cas', 'x', 'a', 60_000)).toBe(false)
    expect(await kv.get('cas')).toBeNull()
    expect(await kv.compareAndSet('cas', null, 'a', 60_000)).toBe(true)
    expect(await kv.compareAndSet('cas', null, 'b', 60_000)).toBe(false)
    expect(await kv.compareAndSet('cas', 'b', 'c', 60_000)).toBe(false)
    expect(await kv.compareAndSet('cas', 'a', 'c', 60_000)).toBe(true)
    expect(await kv.get('cas')).toBe('c')
    // Of concurrent writers that read the same value, exactly one wins.
    const wins = await Promise.all(Array.from({ length: 8 }, (_, i) => kv.compareAndSet('cas', 'c', `w${String(i)}`, 60_000)))
    expect(wins.filter(Boolean)).toHaveLength(1)
    expect(await kv.compareAndSet('cas-short', null, 'y', 30)).toBe(true)
    await new Promise((r) => setTimeout(r, 80))
    expect(await kv.get('cas-short')).toBeNull()
    expect(await kv.compareAndSet('cas-short', null, 'z', 60_000)).toBe(true)
  })

  it('incr counts within a window that the first increment starts', async () => {
    const a = await kv.incr('c', 60_000)
    const b = await kv.incr('c', 60_000)
    expect([a.count, b.count]).toEqual([1, 2])
    expect(b.ttlMs).toBeGreaterThan(0)
    expect(b.ttlMs).toBeLessThanOrEqual(60_000)
    expect(await kv.get('c')).toBe('2')
  })

  it('hash counters: hIncrBy returns the new values and keeps the window the first call started', async () => {
    expect(await kv.hIncrBy('h', { a: 1, b: 2 }, 60_000)).toEqual({ a: 1, b: 2 })
    expect(await kv.hIncrBy('h', { a: 3 }, 10)).toEqual({ a: 4 })
    expect(await kv.hIncrBy('h', {}, 60_000)).toEqual({})
    await new Promise((r) => setTimeout(r, 30))
    expect(await kv.hGetAll('h')).toEqual({ a: '4', b: '2' })
    await kv.hIncrBy('hshort', { a: 1 }, 30)
    await new Promise((r) => setTimeout(r, 80))
    expect(await kv.hGetAll('hshort')).toEqual({})
  })

  it('hMax raises fields, never lowers them, and refreshes the expiry', async () => {
    await kv.hMax('m', { 'i1|o1': 5, 'i2|o1': 2 }, 60_000)
    await kv.hMax('m', { 'i1|o1': 3, 'i2|o1': 7, 'i3|o2': 0 }, 60_000)
    expect(await kv.hGetAll('m')).toEqual({ 'i1|o1': '5', 'i2|o1': '7', 'i3|o2': '0' })
    await kv.hMax('m', {}, 60_000)
    await kv.hMax('mshort', { x: 1 }, 40)
    await new Promise((r) => setTimeout(r, 25))
    await kv.hMax('mshort', { x: 1 }, 60)
    await new Promise((r) => setTimeout(r, 25))
    expect(await kv.hGetAll('mshort')).toEqual({ x: '1' })
    expect(await kv.hGetAll('absent')).toEqual({})
  })

  it('sets', async () => {
    await kv.sAdd('s', 'm1', 60_000)
    await kv.sAdd('s', 'm2', 60_000)
    await kv.sRem('s', 'm1')
    expect(await kv.sMembers('s')).toEqual(['m2'])
  })

  it('publish reaches subscribers until they unsubscribe', async () => {
    const got: string[] = []
    const stop = await kv.subscribe('ch', (m) => got.push(m))
    await kv.publish('ch', 'one')
    await new Promise((r) => setTimeout(r, 50))
    await stop()
    await kv.publish('ch', 'two')
    await new Promise((r) => setTimeout(r, 50))
    expect(got).toEqual(['one'])
  })

  it('sharded publish reaches sharded subscribers only, until they unsubscribe', async () => {
    const sharded: string[] = []
    const plain: string[] = []
    const stopS = await kv.sSubscribe('sch', (m) => sharded.push(m))
    const stopP = await kv.subscribe('sch', (m) => plain.push(m))
    await kv.sPublish('sch', 'one')
    await new Promise((r) => setTimeout(r, 50))
    await stopS()
    await kv.sPublish('sch', 'two')
    await new Promise((r) => setTimeout(r, 50))
    await stopP()
    expect(sharded).toEqual(['one'])
    expect(plain).toEqual([])
  })
})
