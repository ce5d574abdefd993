import { describe, it, expect } from 'vitest'
import { loadEngagementConfig } from './config.ts'

describe('engagement config', () => {
  it('has the documented defaults', () => {
    const c = loadEngagementConfig({})
    expect(c).toMatchObject({ port: 8080, stepUpMaxAgeSec: 300, staticDir: 'dist/client', databaseUrl: '', redisUrl: '', dev: false })
  })

  it('reads ENGAGEMENT_* and the standard DATABASE_URL / REDIS_URL', () => {
    const c = loadEngagementConfig({
      ENGAGEMENT_PORT: '9090',
      ENGAGEMENT_STEP_UP_MAX_AGE_SEC: '120',
      ENGAGEMENT_PUBLIC_TRACKER_URLS: '["wss://a","wss://b"]',
      DATABASE_URL: 'postgres://x@h/db',
      REDIS_URL: 'redis://h:6379',
      UNRELATED: 'ignored',
    })
    expect(c).toMatchObject({ port: 9090, stepUpMaxAgeSec: 120, publicTrackerUrls: ['wss://a', 'wss://b'], databaseUrl: 'postgres://x@h/db', redisUrl: 'redis://h:6379' })
  })

  it.each([
    [{ ENGAGEMENT_NOPE: '1' }, /unknown configuration key ENGAGEMENT_NOPE/],
    [{ ENGAGEMENT_PORT: '70000' }, /port/],
    [{ ENGAGEMENT_STEP_UP_MAX_AGE_SEC: '1' }, /stepUpMaxAgeSec/],
    [{ ENGAGEMENT_DATA_SECRET: 'short' }, /dataSecret/],
  ])('rejects %j', (env, msg) => {
    expect(() => loadEngagementConfig(env)).toThrow(msg)
  })
})
