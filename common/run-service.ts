// The process shell of every service's main.ts: config, start, signals and process-level error handlers.
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

let installed = false

function errorFields(reason: unknown): Record<string, unknown> {
  // Only an Error's message and stack: any other rejection value might be a config object or a secret.
  if (reason instanceof Error) return { err: { name: reason.name, message: reason.message, stack: reason.stack } }
  return { err: { message: `a non-Error value of type ${typeof reason}` } }
}

/**
 * Process-level safety net, installed once per process. An unhandled promise rejection is logged
 * (message and stack only) and the process keeps serving. An uncaught exception is logged fatal and
 * the process exits 1: its state is unknown after a throw that unwound who knows what, and the
 * supervisor restarts it.
 */
export function installProcessHandlers(logger: Logger): void {
  if (installed) return
  installed = true
  process.on('unhandledRejection', (reason) => {
    logger.error(errorFields(reason), 'unhandled promise rejection')
  })
  process.on('uncaughtException', (err) => {
    logger.fatal(errorFields(err), 'uncaught exception; exiting')
    logger.flush()
    process.exit(1)
  })
}

/**
 * The process shell every service shares: config errors and startup errors print one JSON line and
 * exit 1; {@link installProcessHandlers} guards the running service; SIGINT/SIGTERM close the
 * service once and exit 0 (1 when closing fails).
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
  installProcessHandlers(logger)
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
