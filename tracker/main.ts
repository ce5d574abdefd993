/** `npm run tracker`: loads `TRACKER_*` configuration, starts the tracker, stops on SIGINT/SIGTERM. */
import { createLogger } from '../common/log.ts'
import { loadTrackerConfig } from './config.ts'
import { startTracker } from './server.ts'

async function main(): Promise<void> {
  let config
  try {
    config = loadTrackerConfig({ env: process.env })
  } catch (err) {
    console.error(JSON.stringify({ level: 'fatal', service: 'tracker', msg: (err as Error).message }))
    process.exit(1)
  }
  const log = createLogger('tracker', config.logLevel)
  try {
    const tracker = await startTracker(config, log)
    const stop = (signal: string): void => {
      log.info({ signal }, 'stopping')
      tracker.close().then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'close failed')
          process.exit(1)
        },
      )
    }
    process.once('SIGINT', () => stop('SIGINT'))
    process.once('SIGTERM', () => stop('SIGTERM'))
  } catch (err) {
    log.fatal({ err }, 'tracker failed to start')
    process.exit(1)
  }
}

void main()
