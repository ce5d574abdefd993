/** `npm run gateway`: the real-time gateway as its own process, with the engagement service's config (`ENGAGEMENT_*`, `DATABASE_URL`, `REDIS_URL`). */
import { ConfigError } from '../../common/config.ts'
import { runService } from '../../common/run-service.ts'
import { loadEngagementConfig, type EngagementConfig } from '../config.ts'
import { buildApp, GATEWAY_FEATURES } from '../server.ts'
import { startGateway } from './gateway.ts'

/**
 * A gateway on its own shares everything with the API instances: the feed and the login sessions
 * (PostgreSQL, Redis) and the secret its tokens are signed with. Embedded stores live inside one
 * process, so they cannot be shared; the published development secret is refused outside dev.
 */
function standaloneConfig(env: NodeJS.ProcessEnv): EngagementConfig {
  const config = loadEngagementConfig(env)
  if (config.databaseUrl === '' || config.redisUrl === '') throw new ConfigError('a gateway in its own process needs DATABASE_URL and REDIS_URL (the ones the API instances use)')
  if (!config.dev && config.dataSecret === 'dev-only-stream-key-secret' && config.realtimeTokenSecret === '') {
    throw new ConfigError('set ENGAGEMENT_DATA_SECRET (or ENGAGEMENT_REALTIME_TOKEN_SECRET) to the API instances’ value, or ENGAGEMENT_DEV=true')
  }
  return config
}

void runService({
  name: 'gateway',
  load: () => standaloneConfig(process.env),
  logLevel: (c) => c.logLevel,
  start: async (c) => {
    // The same Ctx the API builds (db, kv, login sessions, publisher); its HTTP app never listens.
    const { app, ctx } = await buildApp(c)
    try {
      const gateway = await startGateway(ctx, GATEWAY_FEATURES)
      return {
        port: gateway.port,
        transport: gateway.transport,
        close: async () => {
          await gateway.close()
          await app.close()
        },
      }
    } catch (err) {
      await app.close()
      throw err
    }
  },
  describe: (s) => ({ port: s.port, transport: s.transport }),
})
