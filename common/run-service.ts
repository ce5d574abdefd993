import { createLogger, type Logger } from './log.ts'

/** A started service: anything that can be closed. */
export interface Closable {
  close(): Promise<void>
}

/** How one service's `main.ts` loads, starts and describes itself. */
export interface ServiceMain<C, H extends Closable> {
  /** Service name for logs (`origin`, `tracker`, …). */
  name: string
  /** Loads and validates the config from the environment; throws a message naming the bad key. */
  load(): C
  /** pino level from the loaded config. */
  logLevel(config: C): string
  start(config: C, logger: Logger): Promise<H>
  /** Fields logged once the service listens (ports, backends). */
  describe(handle: H, config: C): Record<string, unknown>
}

/**
 * The process shell every service shares: config errors and startup errors print one JSON line and
 * exit 1; SIGINT/SIGTERM close the service once and exit 0 (1 when closing fails).
 */
export async function runService<C, H extends Closable>(svc: ServiceMain<C, H>): Promise<void> {
  let config: C
  try {
    config = svc.load()
  } catch (err) {
    console.error(JSON.stringify({ level: 'fatal', service: svc.name, msg: (err as Error).message }))
    process.exit(1)
  }
  const logger = createLogger(svc.name, svc.logLevel(config))
  let handle: H
  try {
    handle = await svc.start(config, logger)
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, `${svc.name} failed to start`)
    process.exit(1)
  }
  logger.info(svc.describe(handle, config), `${svc.name} listening`)
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, `${svc.name} stopping`)
    handle.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: (err as Error).message }, 'close failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
}
