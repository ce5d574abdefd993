/** `npm run engagement`: loads `ENGAGEMENT_*`, `DATABASE_URL` and `REDIS_URL`, starts the API and app. */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { ConfigError } from '../common/config.ts'
import { runService } from '../common/run-service.ts'
import { loadEngagementConfig, type EngagementConfig } from './config.ts'
import { startEngagement } from './server.ts'

const DEV_SECRET = 'dev-only-stream-key-secret'

/**
 * Outside dev the data secret must not be the published default. With embedded PGlite a secret is
 * generated once and kept beside the data (0600), so one machine keeps working across restarts;
 * with a shared PostgreSQL every instance needs the same secret, so it must be configured.
 */
function withDataSecret(config: EngagementConfig): EngagementConfig {
  if (config.dev || config.dataSecret !== DEV_SECRET) return config
  if (config.databaseUrl !== '' || config.pgliteDataDir === '') {
    throw new ConfigError('ENGAGEMENT_DATA_SECRET must be set when using PostgreSQL outside dev (or set ENGAGEMENT_DEV=true)')
  }
  const file = `${config.pgliteDataDir}.secret`
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' })
  }
  return { ...config, dataSecret: readFileSync(file, 'utf8').trim() }
}

void runService({
  name: 'engagement',
  load: () => withDataSecret(loadEngagementConfig(process.env)),
  logLevel: (c) => c.logLevel,
  start: (c) => startEngagement(c),
  describe: (s, c) => ({ port: s.port, db: c.databaseUrl !== '' ? 'postgres' : 'pglite', kv: c.redisUrl !== '' ? 'redis' : 'memory' }),
})
