/** `npm run origin`: loads `ORIGIN_*` config, starts the origin, stops on SIGINT/SIGTERM. */
import { createLogger } from '../common/log.ts'
import { loadOriginConfig } from './config.ts'
import { startOrigin } from './server.ts'

async function main(): Promise<void> {
  let config
  try {
    config = loadOriginConfig({ env: process.env })
  } catch (err) {
    console.error(JSON.stringify({ level: 'fatal', service: 'origin', msg: (err as Error).message }))
    process.exit(1)
  }
  const logger = createLogger('origin', config.logLevel)
  try {
    const origin = await startOrigin(config, { logger })
    logger.info({ httpPort: origin.httpPort, rtmpPort: origin.rtmpPort, srtPort: origin.srtPort }, 'origin listening')
    let stopping = false
    const stop = (signal: string): void => {
      if (stopping) return
      stopping = true
      logger.info({ signal }, 'origin stopping')
      void origin.close().then(() => process.exit(0))
    }
    process.once('SIGINT', () => stop('SIGINT'))
    process.once('SIGTERM', () => stop('SIGTERM'))
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'origin failed to start')
    process.exit(1)
  }
}

void main()
