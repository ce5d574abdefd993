import { loadEngagementConfig } from './config.ts'
import { startEngagement } from './server.ts'
import { createLogger } from '../common/log.ts'

const boot = createLogger('engagement')
try {
  const config = loadEngagementConfig(process.env)
  if (!config.dev && config.dataSecret === 'dev-only-stream-key-secret') boot.warn('ENGAGEMENT_DATA_SECRET is the development default; set a real secret')
  const server = await startEngagement(config)
  boot.info({ port: server.port, db: config.databaseUrl !== '' ? 'postgres' : 'pglite', kv: config.redisUrl !== '' ? 'redis' : 'memory' }, 'engagement listening')
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    boot.info({ signal }, 'stopping')
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        boot.error({ err }, 'close failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
} catch (err) {
  boot.fatal({ err }, `engagement failed to start: ${(err as Error).message}`)
  process.exit(1)
}
